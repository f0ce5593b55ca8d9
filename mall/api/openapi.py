"""OpenAPI 3 document of the API at /api/v1/openapi.json, built from the routes and schemas."""

from __future__ import annotations

import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import current_app, jsonify

from mall.api import bp, schemas
from tenants.access import public

#: Request body schema per endpoint.
REQUEST_SCHEMAS = {
    "api.register": schemas.RegisterSchema,
    "api.token": schemas.TokenSchema,
    "api.tenant_create": schemas.TenantSchema,
    "api.product_create": schemas.ProductSchema,
    "api.product_update": schemas.ProductSchema,
    "api.order_refund": schemas.RefundSchema,
    "api.checkout_quote": schemas.CheckoutSchema,
    "api.checkout": schemas.CheckoutSchema,
    "api.review": schemas.ReviewSchema,
}


def documented(request=None, response=None, created: bool = False):
    """Name a view's request and response schemas for the OpenAPI document (plugins' views use this)."""

    def mark(view):
        view.openapi_request, view.openapi_response, view.openapi_created = request, response, created
        return view

    return mark


_ERROR = {"description": "Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def build_spec() -> dict:
    """The OpenAPI document for every /api/v1 route of the running app."""
    spec = APISpec(title="Mall API", version="1.0.0", openapi_version="3.0.3", plugins=[MarshmallowPlugin()])
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Error", {"type": "object", "properties": {"error": {
        "type": "object", "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                                         "fields": {"type": "object"}}}}})
    for name, schema in sorted({s.__name__: s for s in REQUEST_SCHEMAS.values()}.items()):
        spec.components.schema(name.removesuffix("Schema"), schema=schema)
    paths: dict[str, dict] = {}
    for rule in current_app.url_map.iter_rules():
        # The core's routes and every plugin's under /api/v1/.
        if not rule.rule.startswith("/api/v1/") or rule.endpoint in ("api.openapi", "api.static"):
            continue
        view = current_app.view_functions[rule.endpoint]
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            op: dict = {
                "summary": (view.__doc__ or "").strip().splitlines()[0] if view.__doc__ else rule.endpoint,
                "operationId": rule.endpoint.split(".", 1)[1] + ("" if method in ("GET", "POST") else f"_{method}"),
                "parameters": [{"name": arg, "in": "path", "required": True, "schema": {"type": "string"}}
                               for arg in sorted(rule.arguments)],
                "responses": {"200": {"description": "OK"}, "400": _ERROR, "401": _ERROR, "403": _ERROR,
                              "404": _ERROR, "409": _ERROR, "422": _ERROR},
            }
            reply = getattr(view, "openapi_response", None)
            if reply is not None:
                status = "201" if method == "POST" and getattr(view, "openapi_created", False) else "200"
                op["responses"][status] = {"description": "OK", "content": {"application/json": {"schema": reply}}}
            schema = REQUEST_SCHEMAS.get(rule.endpoint) or getattr(view, "openapi_request", None)
            if schema is not None and method != "GET":
                op["requestBody"] = {"required": True, "content": {"application/json": {"schema": schema}}}
            if rule.endpoint not in ("api.register", "api.token"):
                op["security"] = [{"bearer": []}]
            paths.setdefault(path, {})[method.lower()] = op
    for path, operations in sorted(paths.items()):
        spec.path(path=path, operations=operations)
    return spec.to_dict()


@bp.route("/openapi.json")
@public
def openapi():
    """The OpenAPI 3 document."""
    return jsonify(build_spec())
