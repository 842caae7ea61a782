"""Cypher's tokens, the way its lexer splits them, after NFKC normalisation.

Why a tokenizer and not a regex over the raw text: keywords hide in comments,
string literals, backticked names, odd casing and Unicode look-alikes. The text is
NFKC-normalised (full-width ``ＣＲＥＡＴＥ`` becomes ``CREATE``), then split into
tokens the way Cypher's lexer does; only keyword tokens outside literals count.
Where two lexers could disagree about where a literal ends (backslash-quote
escapes, doubled backticks) the query is refused rather than guessed at, and any
non-ASCII character outside a literal is refused.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from graphsvc.errors import QueryRejected


@dataclass(frozen=True)
class Token:
    kind: str  # ident | bident | string | number | param | punct
    text: str  # the token's value (identifiers and keywords as written)
    pos: int

    @property
    def upper(self) -> str:
        return self.text.upper()


def _refuse(reason: str, key: str, **params: object) -> QueryRejected:
    """The refusal: ``reason`` in English (logs, JSON ``detail``), ``key`` its catalog text
    ``err.console.<key>`` for the console's language (issue #13)."""
    return QueryRejected(f"refused: {reason}", text_key=f"err.console.{key}", **params)


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
                raise _refuse("unterminated comment", "comment")
            i = j + 2
            continue
        if c in "'\"":
            j = i + 1
            buf = []
            while True:
                if j >= n:
                    raise _refuse("unterminated string literal", "string")
                ch = text[j]
                if ch == "\\":
                    if j + 1 >= n:
                        raise _refuse("unterminated string literal", "string")
                    nxt = text[j + 1]
                    if nxt in "'\"":
                        # Lexers disagree on whether \' ends the literal: do not guess.
                        raise _refuse("quote escapes inside strings; use a $parameter", "escapes")
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
                raise _refuse("unterminated backticked name", "backtick")
            if j + 1 < n and text[j + 1] == "`":
                raise _refuse("doubled backticks inside a name", "backticks")
            tokens.append(Token("bident", text[i + 1 : j], i))
            i = j + 1
            continue
        if not c.isascii():
            raise _refuse(
                f"character U+{ord(c):04X} outside a string literal",
                "character",
                code=f"U+{ord(c):04X}",
            )
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
                    raise _refuse("unterminated backticked name", "backtick")
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
            raise _refuse(
                f"invisible or control character U+{ord(ch):04X}",
                "invisible",
                code=f"U+{ord(ch):04X}",
            )
        if cat == "Zs" and ch != " ":
            raise _refuse(
                f"unusual space character U+{ord(ch):04X}", "space", code=f"U+{ord(ch):04X}"
            )
    return text
