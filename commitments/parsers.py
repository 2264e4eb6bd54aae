"""The API's JSON parser, with a bound on how deeply a body may nest.

Python's ``json`` recurses once per level: a body of a thousand ``[`` raises ``RecursionError``
(a 500), and a structure a few hundred levels deep would recurse again wherever it is walked.
No body the API accepts nests more than a few levels, so anything deeper than
``MAX_JSON_DEPTH`` is refused with a 400 before a serializer sees it.
"""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_JSON_DEPTH = 32


def depth_within(data, limit: int) -> bool:
    """Whether ``data`` (parsed JSON) nests at most ``limit`` containers deep; walked without
    recursion."""
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return False
        pending.extend((child, depth + 1) for child in children)
    return True


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(too_deep()) from None
        if not depth_within(data, MAX_JSON_DEPTH):
            raise ParseError(too_deep())
        return data


def too_deep() -> str:
    return f"JSON parse error - the body nests more than {MAX_JSON_DEPTH} levels deep."
