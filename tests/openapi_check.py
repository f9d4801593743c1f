"""Real API responses checked against our OpenAPI 3.1 description (test_api.py,
test_compare_api.py, test_compare_shared.py)."""

from __future__ import annotations


def strict(schema):
    """A copy of the OpenAPI document whose objects allow only the properties they declare:
    a field the JSON has but the description lacks is an error, not ignored."""
    if isinstance(schema, dict):
        out = {k: strict(v) for k, v in schema.items()}
        if "properties" in out and "additionalProperties" not in out:
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [strict(v) for v in schema]
    return schema


def response_errors(spec: dict, route: str, body, method: str = "get",
                    status: int = 200) -> list[str]:
    """Where `body` breaks the response schema (of `method` and `status`: a GET's 200 unless
    told) the OpenAPI document declares for `route`
    (OpenAPI 3.1 schemas are JSON Schema 2020-12; $refs resolve within the document)."""
    from jsonschema import Draft202012Validator
    from referencing import Registry
    from referencing.jsonschema import DRAFT202012

    registry = Registry().with_resource("urn:openapi", DRAFT202012.create_resource(strict(spec)))
    pointer = ("/paths/" + route.replace("~", "~0").replace("/", "~1")
               + f"/{method}/responses/{status}/content/application~1json/schema")
    validator = Draft202012Validator({"$ref": "urn:openapi#" + pointer}, registry=registry)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(body)]
