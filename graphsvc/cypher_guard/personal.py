"""Whether a console query's output may carry personal values outside node objects."""

from __future__ import annotations

from graphsvc.cypher_guard.tokens import Token
from graphsvc.privacy import field_kind

# Functions whose result exposes property values wholesale.
_WHOLESALE_FUNCTIONS = frozenset({"properties", "values"})


def reads_personal_data(tokens: list[Token]) -> bool:
    """Whether a query's output may carry personal values outside node objects.

    True when it reads a personal property (``.name``, ``.id_number`` ...), uses
    dynamic access (``n[$k]``), ``n{.*}`` or ``properties(n)``. Such a result has
    every free string masked; node and relationship objects are masked field by
    field in any case.
    """
    for idx, tok in enumerate(tokens):
        prev = tokens[idx - 1] if idx else None
        if (
            tok.kind in ("ident", "bident")
            and prev is not None
            and prev.text == "."
            and (field_kind("", tok.text) is not None or tok.text.lower() == "value")
        ):
            return True
        if (
            tok.kind == "ident"
            and tok.text.lower() in _WHOLESALE_FUNCTIONS
            and idx + 1 < len(tokens)
            and tokens[idx + 1].text == "("
        ):
            return True
        if (
            tok.kind == "punct"
            and tok.text == "["
            and prev is not None
            and (prev.kind in ("ident", "bident", "param") or prev.text in (")", "]"))
        ):
            nxt = tokens[idx + 1] if idx + 1 < len(tokens) else None
            if nxt is not None and nxt.kind != "number":
                return True
        if tok.text == "{" and prev is not None and prev.kind in ("ident", "bident"):
            nxt2 = tokens[idx + 1 : idx + 3]
            if len(nxt2) == 2 and nxt2[0].text == "." and nxt2[1].text == "*":
                return True
    return False
