"""OpenAPI 3 document of the API at /api/v1/openapi.json, built from the routes and schemas."""

from __future__ import annotations

import re
from decimal import Decimal

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import current_app, jsonify

from mall.api import OPEN_ENDPOINTS, bp, schemas
from mall.tenants.access import public
from mall.validation import MAX_INT

#: Request body schema per endpoint.
REQUEST_SCHEMAS = {
    "api.register": schemas.RegisterSchema,
    "api.token": schemas.TokenSchema,
    "api.tenant_create": schemas.TenantSchema,
    "api.product_create": schemas.ProductSchema,
    "api.product_update": schemas.ProductSchema,
    "api.variant_update": schemas.VariantChangeSchema,
    "api.order_refund": schemas.RefundSchema,
    "api.order_ship": schemas.ShipSchema,
    "api.checkout_quote": schemas.CheckoutSchema,
    "api.checkout": schemas.CheckoutSchema,
    "api.review": schemas.ReviewSchema,
}
#: Core endpoints that answer 201 Created.
CREATED = {"api.register", "api.tenant_create", "api.product_create", "api.checkout", "api.review"}


def documented(request=None, response=None, created: bool = False, status: int | None = None, *,
               query=None, content: str = "application/json"):
    """Name a view's request and response schemas, and its success status, for the OpenAPI document.

    `created`: a POST answers 201 (or 200 when the object already existed); `status`: it answers that code;
    `query`: its query-string arguments, as a schema that reads them or as OpenAPI parameter objects
    (`query_parameter` builds one); `content`: the request body's media type (an upload is "multipart/form-data").
    """

    def mark(view):
        view.openapi_request, view.openapi_response = request, response
        view.openapi_status = status or (201 if created else 200)
        view.openapi_query, view.openapi_content = query, content
        return view

    return mark


def query_parameter(name: str, schema: dict, description: str = "") -> dict:
    """An optional query-string parameter for `documented(query=[…])`."""
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


#: ?page= of a paged list: from 1; past the end is an empty page.
PAGE_PARAMETER = query_parameter("page", {"type": "integer", "minimum": 1, "maximum": MAX_INT}, "page number")
_ERROR = {"description": "Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
#: A path argument declared <int:…> names a row: a whole number an INTEGER column holds.
_ID = {"type": "integer", "minimum": 1, "maximum": MAX_INT}
_ARGUMENT = re.compile(r"<(?:(?P<kind>[a-z]+):)?(?P<name>[a-z_]+)>")


def _number(value):
    """A Decimal bound or default as a JSON number (an OpenAPI minimum must be a number, not a string)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, str) and re.fullmatch(r"-?\d+(\.\d+)?", value):
        return _number(Decimal(value))
    return value


def numbers_as_numbers(self, field, ret, **kwargs) -> dict:
    """Write a number field's minimum, maximum and default as JSON numbers."""
    if ret.get("type") != "number":
        return {}
    return {key: _number(ret[key]) for key in ("minimum", "maximum", "default") if key in ret}


#: Every endpoint answers in the language `lang` names, else the token holder's saved one, else Accept-Language's:
#: messages, labels and merchant content (names, descriptions) alike (mall.i18n.select_locale).
_LANG = {"name": "lang", "in": "query", "required": False, "schema": {"type": "string", "enum": ["zh", "en"]},
         "description": "The reply's language (messages and merchant content); default: the token holder's "
                        "saved language, else Accept-Language, else zh."}


def dict_sizes(self, field, ret, **kwargs) -> dict:
    """An object's bounded number of entries as minProperties / maxProperties (not a string's length)."""
    if ret.get("type") != "object":
        return {}
    sizes = {"minProperties": ret.pop("minLength", None), "maxProperties": ret.pop("maxLength", None)}
    return {key: value for key, value in sizes.items() if value is not None}


def _parameters(rule) -> list[dict]:
    return [{"name": found["name"], "in": "path", "required": True,
             "schema": dict(_ID) if found["kind"] == "int" else {"type": "string"}}
            for found in sorted(_ARGUMENT.finditer(rule.rule), key=lambda m: m["name"])] + [dict(_LANG)]


def _query(marshmallow: MarshmallowPlugin, query) -> list[dict]:
    """A view's query-string arguments as OpenAPI parameters: given as such, or read from a schema."""
    if query is None:
        return []
    if isinstance(query, list | tuple):
        return list(query)
    return marshmallow.converter.schema2parameters(query, location="query")


def build_spec() -> dict:
    """The OpenAPI document for every /api/v1 route of the running app."""
    marshmallow = MarshmallowPlugin()
    spec = APISpec(title="Mall API", version="1.0.0", openapi_version="3.0.3", plugins=[marshmallow])
    marshmallow.converter.add_attribute_function(numbers_as_numbers)
    marshmallow.converter.add_attribute_function(dict_sizes)
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
        path = _ARGUMENT.sub(r"{\g<name>}", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            op: dict = {
                "summary": (view.__doc__ or "").strip().splitlines()[0] if view.__doc__ else rule.endpoint,
                "operationId": rule.endpoint.split(".", 1)[1] + ("" if method in ("GET", "POST") else f"_{method}"),
                "parameters": _parameters(rule) + _query(marshmallow, getattr(view, "openapi_query", None)),
                "responses": {"200": {"description": "OK"}, "400": _ERROR, "401": _ERROR, "403": _ERROR,
                              "404": _ERROR, "409": _ERROR, "422": _ERROR, "429": _ERROR},
            }
            status = 201 if rule.endpoint in CREATED else getattr(view, "openapi_status", 200)
            status = str(status if method == "POST" else 200)
            reply = getattr(view, "openapi_response", None)
            success = {"description": "OK"}
            if reply is not None:
                success["content"] = {"application/json": {"schema": reply}}
            op["responses"].update({"200": success, status: success})
            schema = REQUEST_SCHEMAS.get(rule.endpoint) or getattr(view, "openapi_request", None)
            if schema is not None and method != "GET":
                media_type = getattr(view, "openapi_content", "application/json")
                op["requestBody"] = {"required": True, "content": {media_type: {"schema": schema}}}
            if rule.endpoint not in OPEN_ENDPOINTS:
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
