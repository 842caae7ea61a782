"""Bilingual texts of case reports and case pages, read from the gettext catalogs.

The texts are the ``report`` context (``msgctxt``) of
``graphsvc/locale/{zh_CN,en}/LC_MESSAGES/graphsvc.po`` (issue #13): the report words
some things differently from the pages under the same key. Why pairs: the report
prints both languages side by side (the liaison may read either); the pages pick one.
"""

from __future__ import annotations

from typing import Final

from graphsvc import locale


def _pairs() -> dict[str, tuple[str, str]]:
    zh, en = locale.messages("zh", locale.REPORT), locale.messages("en", locale.REPORT)
    return {k: (zh[k], en.get(k, k)) for k in zh}


# key -> (Chinese, English), for code that tests membership or lists keys.
TEXTS: Final[dict[str, tuple[str, str]]] = _pairs()


def pair(key: str) -> tuple[str, str]:
    """(Chinese, English) of ``key``; the key itself where the catalog has no text."""
    return (
        locale.pgettext(locale.REPORT, key, "zh"),
        locale.pgettext(locale.REPORT, key, "en"),
    )


def both(key: str, sep: str = " / ") -> str:
    """``中文 / English``; one of them when both are the same.

    >>> both("status")
    '状态 / Status'
    """
    zh, en = pair(key)
    return zh if zh == en else f"{zh}{sep}{en}"


def one(key: str, lang: str) -> str:
    """The text of ``key`` in ``lang`` (``zh`` or ``en``)."""
    return locale.pgettext(locale.REPORT, key, lang)
