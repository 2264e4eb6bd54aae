"""Reading an id someone typed: ASCII digits only.

``str.isdigit()`` is true for "³" and "①", which ``int()`` refuses, and ``int()`` reads "٣" or
" 3 " as 3; an id in a query string, a form or a JSON string is read here instead, strictly.
"""

import re

# PostgreSQL's bigint: a larger id names no row (and would overflow a lookup).
MAX_ID = 2**63 - 1
_DIGITS = re.compile(r"[0-9]{1,19}")


def plain_id(value) -> int | None:
    """``value`` as a positive id when it is a string of ASCII digits (or an int) within
    bigint's range; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _DIGITS.fullmatch(value):
        number = int(value)
    else:
        return None
    return number if 0 < number <= MAX_ID else None
