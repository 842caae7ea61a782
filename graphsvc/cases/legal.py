"""The legal basis of a case: clause references resolved to the text of the seed documents.

Why the text and not only the reference: a case package leaves the fund for a
public-security liaison who reads it offline; the report quotes the articles the
ring breaks so nobody has to look them up. The documents are copies of the
project's seed texts (``legal_texts/``), shipped inside the package so a server
needs nothing beside the repository.

Detection writes references like ``"Hainan Art. 23(2)(9); Art. 24(5)"``: the
article number, then item numbers in brackets (``（二）`` in the text); the parser
is graphsvc.contract.clauses, which also writes references out in Chinese for pages.

>>> parse_clause("Hainan Art. 23(2)(9); Art. 24(5)")
[('hainan', 23, (2, 9)), ('hainan', 24, (5,))]
>>> cn_number(23), cn_number(10), cn_number(14), cn_number(9)
('二十三', '十', '十四', '九')
>>> quote = article_text("hainan", 23, (1,))
>>> quote.startswith("第二十三条") and "（一）分解住院、挂床住院；" in quote
True
>>> "（二）" in quote
False
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from graphsvc.contract.clauses import cn_number, parse_clause

TEXTS_DIR = Path(__file__).resolve().parent / "legal_texts"

DOCUMENTS: dict[str, tuple[str, str, str]] = {
    # key: (file, Chinese title, English title)
    "hainan": (
        "hainan_measures.txt",
        "海南省医疗保障基金监督管理办法（征求意见稿）",
        "Hainan Province, Measures for the Supervision and Administration of the "
        "Medical Security Fund (draft for comment)",
    ),
    "heilongjiang": (
        "heilongjiang_opinions.txt",
        "黑龙江省关于推进医疗保障基金监管制度体系改革的实施意见",
        "Heilongjiang Province, Implementation Opinions on Reforming the Medical "
        "Insurance Fund Supervision System",
    ),
}

# The basis of the transfer itself (移送公安), quoted in every transferred case.
TRANSFER_BASIS = "Hainan Art. 26; Heilongjiang (13)"


@dataclass(frozen=True)
class Quote:
    """One quoted clause: the reference as written and the document text."""

    reference: str
    document_zh: str
    document_en: str
    text: str


@lru_cache
def _lines(doc: str) -> tuple[str, ...]:
    file = DOCUMENTS[doc][0]
    text = (TEXTS_DIR / file).read_text(encoding="utf-8")
    return tuple(line.replace("[bookmark: _GoBack]", "").strip() for line in text.splitlines())


_ARTICLE_HEAD = re.compile(r"^第[一二三四五六七八九十百]+[条章]")
_SECTION_HEAD = re.compile(r"^（[一二三四五六七八九十]+）")


def article_text(doc: str, number: int, items: tuple[int, ...] = ()) -> str:
    """The article (or Heilongjiang section) text; only the listed items when given."""
    lines = _lines(doc)
    if doc == "heilongjiang":
        head = f"（{cn_number(number)}）"
        for line in lines:
            if line.startswith(head):
                return line
        return ""
    head = f"第{cn_number(number)}条"
    start = next((i for i, line in enumerate(lines) if line.startswith(head)), None)
    if start is None:
        return ""
    body: list[str] = [lines[start]]
    for line in lines[start + 1 :]:
        if _ARTICLE_HEAD.match(line):
            break
        if line:
            body.append(line)
    if not items:
        return "\n".join(body)
    wanted = {f"（{cn_number(i)}）" for i in items}
    # The lead-in sentence(s) before the first item, then only the items asked for.
    lead = [line for line in body if not _SECTION_HEAD.match(line)]
    chosen = [
        line
        for line in body
        if _SECTION_HEAD.match(line) and line[: line.index("）") + 1] in wanted
    ]
    intro = lead[:1] + (lead[-1:] if len(lead) > 1 else [])
    return "\n".join([*intro, *chosen])


def quotes(reference: str) -> list[Quote]:
    """Every part of a clause reference with its text (empty text when not found)."""
    out: list[Quote] = []
    for doc, number, items in parse_clause(reference):
        _, zh, en = DOCUMENTS[doc]
        ref = (
            f"{doc.capitalize()} Art. {number}"
            if doc == "hainan"
            else f"{doc.capitalize()} ({number})"
        )
        ref += "".join(f"({i})" for i in items)
        out.append(Quote(ref, zh, en, article_text(doc, number, items)))
    return out
