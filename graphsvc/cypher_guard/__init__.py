"""Refuse console Cypher that could write, change the schema or call unlisted procedures.

Defence in depth: the store's read-only mode refuses writes as well, but a query
that merely *tries* is refused here first, with a reason, and so are reads that
reach outside the graph (``LOAD CSV`` fetching URLs or files, procedures).

Why a tokenizer and not a regex over the raw text: keywords hide in comments,
string literals, backticked names, odd casing and Unicode look-alikes. The text is
NFKC-normalised (full-width ``ＣＲＥＡＴＥ`` becomes ``CREATE``), then split into
tokens the way Cypher's lexer does; only keyword tokens outside literals count.
Where two lexers could disagree about where a literal ends (backslash-quote
escapes, doubled backticks) the query is refused rather than guessed at, and any
non-ASCII character outside a literal is refused. The normalised text is what
runs, so what was checked is what executes.

Split by idea (issue #18): ``tokens`` (normalising and lexing), ``check`` (the gate),
``cost`` (queries no timeout stops in time), ``personal`` (does the output carry
personal values) and ``shape`` (capping and masking the result). The names below stay
importable from ``graphsvc.cypher_guard``.

>>> check_cypher("MATCH (p:Participant) RETURN p.id LIMIT 5").text
'MATCH (p:Participant) RETURN p.id LIMIT 5'
>>> check_cypher("match (n) /* x */ DeTaCh DELETE n")
Traceback (most recent call last):
...
graphsvc.errors.QueryRejected: refused: DETACH is not allowed in the console (read-only)
"""

from __future__ import annotations

from graphsvc.cypher_guard.check import (
    ALLOWED_FUNCTION_NAMESPACES,
    ALLOWED_PROCEDURES,
    FORBIDDEN_KEYWORDS,
    MAX_QUERY_CHARS,
    CheckedQuery,
    check_cypher,
)
from graphsvc.cypher_guard.cost import RANGE_CAP
from graphsvc.cypher_guard.personal import reads_personal_data
from graphsvc.cypher_guard.shape import shape_result
from graphsvc.cypher_guard.tokens import Token, normalise, tokenize

__all__ = [
    "ALLOWED_FUNCTION_NAMESPACES",
    "ALLOWED_PROCEDURES",
    "FORBIDDEN_KEYWORDS",
    "MAX_QUERY_CHARS",
    "RANGE_CAP",
    "CheckedQuery",
    "Token",
    "check_cypher",
    "normalise",
    "reads_personal_data",
    "shape_result",
    "tokenize",
]
