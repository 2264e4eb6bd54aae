"""The API schema's error answers: every 4xx an operation can give is documented.

drf-spectacular documents the answers a view declares; the errors every view can give
(a bad body or query, no or bad credentials, no permission, no such object, a body too large or
of a type not understood, too many calls) come from DRF and our middleware and are added here,
to every operation they can happen on, with the shape DRF gives them: ``{"detail": "…"}``, or
field names with their messages for a 400.
"""

ERROR = "Error"
ERROR_SCHEMA = {
    "type": "object",
    "description": "`detail` says what went wrong; a 400 names the fields in error instead.",
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": True,
}
DESCRIPTIONS = {
    "400": "The body or a query parameter is not valid (field errors).",
    "401": "No or unknown credentials.",
    "403": "The credentials do not allow this.",
    "404": "No such object, or not one the caller may see; or no such page.",
    "411": "A chunked body the server cannot measure: send it with a Content-Length.",
    "413": "The body is larger than the portal accepts.",
    "415": "The body's media type is not accepted.",
    "429": "Too many calls; `Retry-After` says when to try again.",
}


def error_codes(path: str, method: str, operation: dict) -> list[str]:
    """The 4xx answers ``operation`` can give besides those it declares: a write can always be
    refused (400), a read when it takes query parameters."""
    parameters = operation.get("parameters", [])
    codes = ["429"]
    if method != "get" or any(p["in"] == "query" for p in parameters):
        codes.append("400")
    if {} not in operation.get("security", [{}]):
        codes += ["401", "403"]
    if "{" in path or any(p["name"] == "page" for p in parameters):
        codes.append("404")
    if operation.get("requestBody"):
        codes += ["411", "413", "415"]
    return codes


def document_error_answers(result, generator, request, public):
    """drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"])."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault(ERROR, ERROR_SCHEMA)
    reference = {"$ref": f"#/components/schemas/{ERROR}"}
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            answers = operation.setdefault("responses", {})
            for code in error_codes(path, method, operation):
                answers.setdefault(
                    code,
                    {
                        "description": DESCRIPTIONS[code],
                        "content": {"application/json": {"schema": reference}},
                    },
                )
    return result
