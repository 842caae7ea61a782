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

>>> check_cypher("MATCH (p:Participant) RETURN p.id LIMIT 5").text
'MATCH (p:Participant) RETURN p.id LIMIT 5'
>>> check_cypher("match (n) /* x */ DeTaCh DELETE n")
Traceback (most recent call last):
...
graphsvc.errors.QueryRejected: refused: DETACH is not allowed in the console (read-only)
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any

from graphsvc.errors import QueryRejected

MAX_QUERY_CHARS = 20_000

# Clauses and words that write, change the schema or administer the server.
FORBIDDEN_KEYWORDS: frozenset[str] = frozenset(
    {
        "CREATE",
        "MERGE",
        "DELETE",
        "DETACH",
        "SET",
        "REMOVE",
        "DROP",
        "FOREACH",
        "LOAD",
        "ALTER",
        "GRANT",
        "DENY",
        "REVOKE",
        "RENAME",
        "START",
        "STOP",
        "TERMINATE",
        "USE",
        "COMMIT",
        "PERIODIC",
        "TRANSACTIONS",
        "INDEX",
        "CONSTRAINT",
        "IMPORT",
        "ENABLE",
        "DISABLE",
        "SHOW",
        "ROLLBACK",
        "BEGIN",
        "SUSPEND",
        "ASSIGN",
    }
)

# Read-only procedures an analyst may CALL (compared in lower case).
ALLOWED_PROCEDURES: frozenset[str] = frozenset(
    {
        "db.labels",
        "db.relationshiptypes",
        "db.propertykeys",
        "db.indexes",
        "db.constraints",
        "db.schema.visualization",
        "db.idx.fulltext.querynodes",
        "db.idx.fulltext.queryrelationships",
        "db.index.fulltext.querynodes",
        "db.index.fulltext.queryrelationships",
        "algo.bfs",
        "algo.sppaths",
        "algo.sspaths",
        "algo.pagerank",
        "algo.wcc",
        "algo.betweenness",
    }
)

# Namespaced functions: only value-computing namespaces (apoc.*, dbms.*, db.* ... can
# run Cypher, read files or reach the network).
ALLOWED_FUNCTION_NAMESPACES: frozenset[str] = frozenset(
    {
        "date",
        "datetime",
        "localdatetime",
        "time",
        "localtime",
        "duration",
        "point",
        "vector",
        "string",
        "list",
        "math",
    }
)


@dataclass(frozen=True)
class Token:
    kind: str  # ident | bident | string | number | param | punct
    text: str  # the token's value (identifiers and keywords as written)
    pos: int

    @property
    def upper(self) -> str:
        return self.text.upper()


@dataclass
class CheckedQuery:
    """A query that passed: the normalised text to run and what it touches."""

    text: str
    tokens: list[Token] = field(default_factory=list)
    procedures: list[str] = field(default_factory=list)
    property_keys: set[str] = field(default_factory=set)
    dynamic_access: bool = False


def _refuse(reason: str) -> QueryRejected:
    return QueryRejected(f"refused: {reason}")


_PUNCT2 = ("<>", "<=", ">=", "=~", "->", "<-", "..", "+=", "::", "||")


def tokenize(text: str) -> list[Token]:  # noqa: C901  debt, listed in docs/conventions.md
    """Cypher tokens of already normalised text; comments and whitespace dropped.

    >>> [t.text for t in tokenize("MATCH (n) // CREATE\\nRETURN 'DELETE' AS `SET`")]
    ['MATCH', '(', 'n', ')', 'RETURN', 'DELETE', 'AS', 'SET']
    """
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in " \t\r\n":
            i += 1
            continue
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j + 1
            continue
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            if j < 0:
                raise _refuse("unterminated comment")
            i = j + 2
            continue
        if c in "'\"":
            j = i + 1
            buf = []
            while True:
                if j >= n:
                    raise _refuse("unterminated string literal")
                ch = text[j]
                if ch == "\\":
                    if j + 1 >= n:
                        raise _refuse("unterminated string literal")
                    nxt = text[j + 1]
                    if nxt in "'\"":
                        # Lexers disagree on whether \' ends the literal: do not guess.
                        raise _refuse("quote escapes inside strings; use a $parameter")
                    buf.append(ch + nxt)
                    j += 2
                    continue
                if ch == c:
                    break
                buf.append(ch)
                j += 1
            tokens.append(Token("string", "".join(buf), i))
            i = j + 1
            continue
        if c == "`":
            j = text.find("`", i + 1)
            if j < 0:
                raise _refuse("unterminated backticked name")
            if j + 1 < n and text[j + 1] == "`":
                raise _refuse("doubled backticks inside a name")
            tokens.append(Token("bident", text[i + 1 : j], i))
            i = j + 1
            continue
        if not c.isascii():
            raise _refuse(f"character U+{ord(c):04X} outside a string literal")
        if c.isalpha() or c == "_":
            j = i + 1
            while j < n and text[j].isascii() and (text[j].isalnum() or text[j] == "_"):
                j += 1
            tokens.append(Token("ident", text[i:j], i))
            i = j
            continue
        if c.isdigit():
            j = i + 1
            while j < n and text[j].isascii() and (text[j].isalnum() or text[j] in "._"):
                if text[j] == "." and j + 1 < n and text[j + 1] == ".":
                    break
                j += 1
            tokens.append(Token("number", text[i:j], i))
            i = j
            continue
        if c == "$":
            j = i + 1
            if j < n and text[j] == "`":
                k = text.find("`", j + 1)
                if k < 0:
                    raise _refuse("unterminated backticked name")
                tokens.append(Token("param", text[j + 1 : k], i))
                i = k + 1
                continue
            while j < n and text[j].isascii() and (text[j].isalnum() or text[j] == "_"):
                j += 1
            tokens.append(Token("param", text[i + 1 : j], i))
            i = j
            continue
        two = text[i : i + 2]
        if two in _PUNCT2:
            tokens.append(Token("punct", two, i))
            i += 2
            continue
        tokens.append(Token("punct", c, i))
        i += 1
    return tokens


def normalise(text: str) -> str:
    """NFKC, and refuse control/format characters (zero-width joiners, bidi overrides)."""
    text = unicodedata.normalize("NFKC", text)
    for ch in text:
        if ch in "\t\r\n":
            continue
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Cf", "Cs", "Co", "Cn") or cat in ("Zl", "Zp"):
            raise _refuse(f"invisible or control character U+{ord(ch):04X}")
        if cat == "Zs" and ch != " ":
            raise _refuse(f"unusual space character U+{ord(ch):04X}")
    return text


def _dotted_name(tokens: list[Token], start: int) -> tuple[str, int]:
    """Read ``a.b.c`` (plain or backticked parts) from ``start``; return name and next index."""
    parts: list[str] = []
    i = start
    while i < len(tokens) and tokens[i].kind in ("ident", "bident"):
        parts.append(tokens[i].text)
        if i + 1 < len(tokens) and tokens[i + 1].text == ".":
            i += 2
            continue
        i += 1
        break
    return ".".join(parts), i


def check_cypher(query: str) -> CheckedQuery:  # noqa: C901  debt, listed in docs/conventions.md
    """Return the normalised, checked query or raise ``QueryRejected`` with the reason."""
    if len(query) > MAX_QUERY_CHARS:
        raise _refuse(f"query longer than {MAX_QUERY_CHARS} characters")
    text = normalise(query)
    tokens = tokenize(text)
    if not tokens:
        raise _refuse("empty query")
    checked = CheckedQuery(text=text.strip(), tokens=tokens)
    skip_until = 0  # tokens of a CALLed procedure's name, already checked
    for idx, tok in enumerate(tokens):
        if idx < skip_until:
            continue
        prev = tokens[idx - 1] if idx else None
        # A property key follows its dot directly; "x. DELETE n" is checked as a keyword.
        after_dot = (
            prev is not None
            and prev.kind == "punct"
            and prev.text == "."
            and tok.pos == prev.pos + 1
        )
        if tok.kind == "punct" and tok.text == ";":
            if any(t for t in tokens[idx + 1 :]):
                raise _refuse("more than one statement")
            continue
        if (
            tok.kind == "punct"
            and tok.text == "["
            and prev is not None
            and (prev.kind in ("ident", "bident", "param") or prev.text in (")", "]"))
        ):
            nxt = tokens[idx + 1] if idx + 1 < len(tokens) else None
            if nxt is not None and nxt.kind != "number":
                checked.dynamic_access = True
        if tok.kind in ("ident", "bident") and after_dot:
            checked.property_keys.add(tok.text.lower())
            continue
        if (
            tok.kind == "punct"
            and tok.text == "{"
            and prev is not None
            and prev.kind in ("ident", "bident")
        ):
            # Map projection p{.name, .*}: the keys come as ".name" and are seen above;
            # ".*" takes every property.
            nxt2 = tokens[idx + 1 : idx + 3]
            if len(nxt2) == 2 and nxt2[0].text == "." and nxt2[1].text == "*":
                checked.dynamic_access = True
        if tok.kind != "ident":
            continue
        word = tok.upper
        if word in FORBIDDEN_KEYWORDS:
            raise _refuse(f"{word} is not allowed in the console (read-only)")
        if word == "CALL":
            nxt = tokens[idx + 1] if idx + 1 < len(tokens) else None
            if nxt is None:
                raise _refuse("CALL without a procedure")
            if nxt.kind == "punct" and nxt.text in ("{", "("):
                continue  # a subquery; its clauses are checked like any other tokens
            name, skip_until = _dotted_name(tokens, idx + 1)
            if name.lower() not in ALLOWED_PROCEDURES:
                raise _refuse(f"procedure {name!r} is not on the console's whitelist")
            checked.procedures.append(name.lower())
            continue
        nxt = tokens[idx + 1] if idx + 1 < len(tokens) else None
        if nxt is not None and nxt.text == "." and not after_dot:
            name, end = _dotted_name(tokens, idx)
            if end < len(tokens) and tokens[end].text == "(" and "." in name:
                namespace = name.split(".", 1)[0].lower()
                if namespace not in ALLOWED_FUNCTION_NAMESPACES:
                    raise _refuse(f"function {name!r} is not allowed in the console")
    # Backticked words used as functions (`apoc.x`(...)) are refused like plain ones.
    for idx, tok in enumerate(tokens[:-1]):
        if tok.kind == "bident" and tokens[idx + 1].text == "(" and "." in tok.text:
            prev = tokens[idx - 1] if idx else None
            if prev is not None and prev.kind == "ident" and prev.upper == "CALL":
                continue
            raise _refuse(f"function {tok.text!r} is not allowed in the console")
    _check_ranges(tokens)
    _check_cartesian(tokens)
    return checked


# -- cost guards (issue #19): refuse before running what no timeout stops in time ----

# Most list elements the literal range() calls of one query may produce together
# (nested UNWINDs multiply). ``UNWIND range(1,100000000)`` ran 15 s past the timeout
# and left the store 2.6 GB bigger; 100,000 is far above any ring or row cap.
RANGE_CAP = 100_000

_CLAUSE_WORDS = frozenset(
    {"MATCH", "OPTIONAL", "WHERE", "RETURN", "WITH", "UNWIND", "CALL", "ORDER", "SKIP"}
    | {"LIMIT", "UNION", "YIELD"}
)


def _literal(tokens: list[Token], i: int) -> tuple[float | None, int]:
    """A (signed) number literal at ``i`` and the index after it, else (None, i)."""
    sign = 1.0
    if i < len(tokens) and tokens[i].text in ("-", "+") and tokens[i].kind == "punct":
        sign, i = (-1.0 if tokens[i].text == "-" else 1.0), i + 1
    if i < len(tokens) and tokens[i].kind == "number":
        try:
            return sign * float(tokens[i].text), i + 1
        except ValueError:
            return None, i
    return None, i


def _check_ranges(tokens: list[Token]) -> None:
    """Refuse literal ``range(a, b[, step])`` calls producing more than RANGE_CAP elements.

    >>> _check_ranges(tokenize("UNWIND range(1, 1000) AS x RETURN x"))
    >>> _check_ranges(tokenize("UNWIND range(1,100000000) AS x RETURN count(x)"))
    Traceback (most recent call last):
    ...
    graphsvc.errors.QueryRejected: refused: range() would produce 100,000,000 values (cap 100,000)
    """
    total = 1.0
    for i, tok in enumerate(tokens[:-1]):
        if tok.kind != "ident" or tok.text.lower() != "range" or tokens[i + 1].text != "(":
            continue
        if i and tokens[i - 1].text == ".":
            continue  # a property called range
        a, j = _literal(tokens, i + 2)
        if a is None or j >= len(tokens) or tokens[j].text != ",":
            continue  # computed bounds: left to the store's time and memory caps
        b, j = _literal(tokens, j + 1)
        if b is None:
            continue
        step = 1.0
        if j < len(tokens) and tokens[j].text == ",":
            given, _ = _literal(tokens, j + 1)
            if given is None:
                continue
            if given == 0:
                raise _refuse("range() with step 0")
            step = given
        size = max(0.0, (b - a) / step + 1)
        total *= max(size, 1.0)
        if total > RANGE_CAP:
            what = "range() would produce" if size > RANGE_CAP else "nested range() calls produce"
            raise _refuse(f"{what} {total:,.0f} values (cap {RANGE_CAP:,})")


def _patterns(tokens: list[Token]) -> list[list[Token]]:
    """The comma-separated pattern parts of every MATCH clause."""
    parts: list[list[Token]] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.kind != "ident" or tok.upper != "MATCH":
            i += 1
            continue
        i += 1
        depth, current = 0, list[Token]()
        while i < len(tokens):
            t = tokens[i]
            if depth == 0 and t.kind == "ident" and t.upper in _CLAUSE_WORDS:
                break
            if t.text in ("(", "[", "{"):
                depth += 1
            elif t.text in (")", "]", "}"):
                depth -= 1
            if depth == 0 and t.text == ",":
                parts.append(current)
                current = []
            else:
                current.append(t)
            i += 1
        if current:
            parts.append(current)
    return parts


def _variables(part: list[Token]) -> set[str]:
    """Names bound in a pattern part: ``(a:L)``, ``[r:T]``, ``p = (...)``."""
    names: set[str] = set()
    for k, t in enumerate(part[:-1]):
        nxt = part[k + 1]
        if t.text in ("(", "[") and nxt.kind in ("ident", "bident"):
            names.add(nxt.text)
        if t.kind in ("ident", "bident") and nxt.text == "=" and k == 0:
            names.add(t.text)
    return names


def _check_cartesian(tokens: list[Token]) -> None:
    """Refuse MATCH patterns forming two or more disconnected, unanchored groups.

    Why: ``MATCH (a),(b),(c)`` is a cartesian product of the whole graph with itself,
    which blocked every other user of the two store threads. Parts sharing a variable
    (also across MATCH clauses: ``MATCH (a) ... MATCH (a)-->(b)``) form one group; a
    group is anchored by an inline property map (``(p {id: $id})``). One unanchored
    group is an ordinary scan, left to the store's time and memory caps.

    >>> _check_cartesian(tokenize("MATCH (a:Participant {id: $x}), (b:Participant) RETURN a, b"))
    >>> _check_cartesian(tokenize("MATCH (a), (b) RETURN count(*)"))
    Traceback (most recent call last):
    ...
    graphsvc.errors.QueryRejected: refused: MATCH of 2 disconnected patterns ...
    """
    parts = _patterns(tokens)
    if len(parts) < 2:
        return
    groups: list[tuple[set[str], bool]] = []  # (variables, anchored)
    for part in parts:
        names = _variables(part)
        anchored = any(t.text == "{" for t in part)
        joined = [g for g in groups if g[0] & names]
        for g in joined:
            groups.remove(g)
            names |= g[0]
            anchored = anchored or g[1]
        groups.append((names, anchored))
    loose = [g for g in groups if not g[1]]
    if len(groups) >= 2 and len(loose) >= 2:
        raise _refuse(
            f"MATCH of {len(loose)} disconnected patterns without a property map (a "
            "cartesian product); join them or anchor each with {key: $value}"
        )


# -- the console service: check, run read-only, cap, mask ----------------------------

# Functions whose result exposes property values wholesale.
_WHOLESALE_FUNCTIONS = frozenset({"properties", "values"})


def reads_personal_data(tokens: list[Token]) -> bool:
    """Whether a query's output may carry personal values outside node objects.

    True when it reads a personal property (``.name``, ``.id_number`` ...), uses
    dynamic access (``n[$k]``), ``n{.*}`` or ``properties(n)``. Such a result has
    every free string masked; node and relationship objects are masked field by
    field in any case.
    """
    from graphsvc.privacy import field_kind

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


def shape_result(
    columns: list[str], rows: list[list[Any]], *, personal: bool, cap: int
) -> dict[str, Any]:
    """Rows (capped, masked) plus a graph of every node/relationship they hold."""
    from graphsvc.privacy import mask_free_string, mask_properties
    from graphsvc.store.values import Node, Path, Relationship

    nodes: dict[str, dict[str, Any]] = {}
    edges: dict[str, dict[str, Any]] = {}

    def node_json(n: Node) -> dict[str, Any]:
        data = {
            "id": n.id,
            "labels": list(n.labels),
            "properties": mask_properties(n.label, n.properties),
        }
        nodes.setdefault(n.id, data)
        return data

    def rel_json(r: Relationship) -> dict[str, Any]:
        data = {
            "id": r.id,
            "type": r.type,
            "start": r.start,
            "end": r.end,
            "properties": mask_properties(r.type, r.properties),
        }
        edges.setdefault(r.id, data)
        return data

    def convert(value: Any, hint: str | None) -> Any:
        if isinstance(value, Node):
            return node_json(value)
        if isinstance(value, Relationship):
            return rel_json(value)
        if isinstance(value, Path):
            return {
                "nodes": [node_json(n) for n in value.nodes],
                "relationships": [rel_json(r) for r in value.relationships],
            }
        if isinstance(value, list | tuple):
            return [convert(v, hint) for v in value]
        if isinstance(value, dict):
            if personal:
                return {str(k): convert(v, str(k)) for k, v in value.items()}
            masked = mask_properties("", {str(k): v for k, v in value.items()})
            return {k: convert(v, k) for k, v in masked.items()}
        if isinstance(value, str):
            return mask_free_string(value, personal=personal, hint=hint)
        return value

    def column_hint(column: str) -> str:
        return column.rsplit(".", 1)[-1]

    truncated = len(rows) > cap
    out_rows = [
        [convert(v, column_hint(c)) for c, v in zip(columns, row, strict=True)]
        for row in rows[:cap]
    ]
    graph = None
    if nodes or edges:
        # Edges whose end nodes are not in the result cannot be drawn.
        graph = {
            "nodes": list(nodes.values()),
            "edges": [e for e in edges.values() if e["start"] in nodes and e["end"] in nodes],
        }
    return {
        "columns": columns,
        "rows": out_rows,
        "row_count": len(out_rows),
        "truncated": truncated,
        "row_cap": cap,
        "masked_all_strings": personal,
        "graph": graph,
    }
