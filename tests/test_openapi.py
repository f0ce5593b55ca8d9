"""The API's own OpenAPI document: valid OpenAPI 3, with numbers and path ids typed as the API reads them."""

from openapi_spec_validator import validate

from mall.validation import MAX_INT


def _document(client) -> dict:
    reply = client.get("/api/v1/openapi.json")
    assert reply.status_code == 200
    return reply.get_json()


def test_the_served_document_is_valid_openapi_including_the_loyalty_plugin(client):
    document = _document(client)
    assert "/api/v1/shops/{shop}/programme" in document["paths"]  # the plugin's routes are in it
    validate(document)


def test_integer_path_arguments_are_bounded_integers_and_others_strings(client):
    operation = _document(client)["paths"]["/api/v1/shops/{shop}/orders/{order_id}/refund"]["post"]
    kinds = {p["name"]: p["schema"] for p in operation["parameters"] if p["in"] == "path"}
    assert kinds == {"shop": {"type": "string"},
                     "order_id": {"type": "integer", "minimum": 1, "maximum": MAX_INT}}
    # Besides the path: the reply's language, on every operation.
    assert [p["name"] for p in operation["parameters"] if p["in"] == "query"] == ["lang"]


def test_decimal_bounds_and_defaults_are_json_numbers(client):
    schemas = _document(client)["components"]["schemas"]
    assert schemas["Product"]["properties"]["price"]["maximum"] == 1000000
    assert schemas["Tenant"]["properties"]["shipping_fee"]["default"] == 0

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("minimum", "maximum"):
                    assert isinstance(value, int | float) and not isinstance(value, bool), node
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schemas)
