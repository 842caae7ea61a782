"""Clause references of the seed documents, parsed and written out in Chinese (issue #13).

Detection writes references like ``"Hainan Art. 23(2)(9); Art. 24(5)"`` (stored on
rings, compared in tests); people reading Chinese pages expect the form of the
document itself: 《海南省医疗保障基金监督管理办法》第二十三条第（二）、（九）项.
Here at the base layer so the pages and the case reports (graphsvc.cases.legal) read
one parser.

>>> parse_clause("Hainan Art. 23(2)(9); Art. 24(5)")
[('hainan', 23, (2, 9)), ('hainan', 24, (5,))]
>>> clause_text("Hainan Art. 23(2)(9); Art. 24(5)", "zh")
'《海南省医疗保障基金监督管理办法》第二十三条第（二）、（九）项；第二十四条第（五）项'
>>> clause_text("Hainan Art. 26; Heilongjiang (13)", "zh")
'《海南省医疗保障基金监督管理办法》第二十六条；《黑龙江省关于推进医疗保障基金监管制度体系改革的实施意见》（十三）'
>>> clause_text("Hainan Art. 11", "en")
'Hainan Art. 11'
"""

from __future__ import annotations

import re
from typing import Final

# The documents' titles as a citation writes them (without the draft's suffix).
TITLES_ZH: Final = {
    "hainan": "海南省医疗保障基金监督管理办法",
    "heilongjiang": "黑龙江省关于推进医疗保障基金监管制度体系改革的实施意见",
}

_DIGITS = "零一二三四五六七八九"
_REF = re.compile(r"(?:(Hainan|Heilongjiang)\s*)?(?:Art\.\s*(\d+)|\((\d+)\))((?:\(\d+\))*)", re.I)


def cn_number(n: int) -> str:
    """Chinese numeral for 1-99, as article and item headings write them."""
    if not 0 < n < 100:
        raise ValueError(f"article number out of range: {n}")
    tens, units = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")
    return head + (_DIGITS[units] if units else "")


def parse_clause(reference: str) -> list[tuple[str, int, tuple[int, ...]]]:
    """``"Hainan Art. 11; Art. 24(1)(2)"`` -> [(document, article, items)].

    A part without a document name belongs to the previous one (Hainan first).
    Heilongjiang's opinions number sections ``(13)``, not articles.
    """
    out: list[tuple[str, int, tuple[int, ...]]] = []
    doc = "hainan"
    for part in reference.split(";"):
        m = _REF.search(part.strip())
        if not m:
            continue
        if m.group(1):
            doc = m.group(1).lower()
        number = int(m.group(2) or m.group(3))
        items = tuple(int(x) for x in re.findall(r"\((\d+)\)", m.group(4) or ""))
        out.append((doc, number, items))
    return out


def clause_text(reference: str, lang: str) -> str:
    """The reference as a reader of ``lang`` cites it (English: as detection wrote it).

    A reference that does not parse is shown as it is rather than dropped."""
    parts = parse_clause(reference) if lang == "zh" else []
    if not parts:
        return reference
    out: list[str] = []
    previous = ""
    for doc, number, items in parts:
        title = f"《{TITLES_ZH[doc]}》" if doc != previous else ""
        previous = doc
        if doc == "heilongjiang":
            out.append(f"{title}（{cn_number(number)}）")
            continue
        text = f"{title}第{cn_number(number)}条"
        if items:
            text += "第" + "、".join(f"（{cn_number(i)}）" for i in items) + "项"
        out.append(text)
    return "；".join(out)
