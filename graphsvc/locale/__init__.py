"""The gettext catalogs of every user-visible text: pages, case reports, errors, and the
reasons of detection and screening (issue #13; ``graphsvc.locale.msg`` renders those).

One mechanism instead of three (the pages' table, the report's pairs, per-route
dictionaries): ``graphsvc/locale/{zh_CN,en}/LC_MESSAGES/graphsvc.po``, read with Babel.

Why message ids are keys (``"nav_cases"``, ``"role.hub doctor"``) and not English
source strings: English is a translation like Chinese here (investigators read
Chinese first), many ids are built from data (``role.<detector role>``,
``status.<case status>``) and must stay stable when a wording changes, and callers
and parallel work keep their call shape. A key with no entry shows as itself, so a
gap is visible and tests/test_i18n_catalogs.py catches it.

Texts of the case report live in the context ``report`` (``msgctxt``): the report
words some things differently from the pages (成员数 vs 涉案人员与机构) under the
same key.

Compiled at first use: a ``.mo`` beside the ``.po`` is used when it is not older
(``pybabel compile -d graphsvc/locale -D graphsvc``, run by ``./dev setup``);
otherwise the ``.po`` is parsed and compiled in memory, so a clean checkout and a
wheel (which ships the ``.po``) both work without a build step.

>>> gettext("rings", "zh"), gettext("rings", "en")
('可疑团伙', 'Suspected rings')
>>> pgettext("report", "members", "zh")
'涉案人员与机构'
>>> gettext("no such key", "zh")
'no such key'
"""

from __future__ import annotations

from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Final

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

DIR: Final = Path(__file__).resolve().parent
DOMAIN: Final = "graphsvc"
# The page language code -> the catalog's locale directory.
LOCALES: Final = {"zh": "zh_CN", "en": "en"}
REPORT: Final = "report"


def po_path(lang: str) -> Path:
    return DIR / LOCALES[lang] / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def catalog(lang: str) -> Catalog:
    """The parsed ``.po`` of ``lang`` (tests and the completeness checks read it)."""
    with po_path(lang).open("rb") as fh:
        return read_po(fh, locale=LOCALES[lang], domain=DOMAIN)


@cache
def translations(lang: str) -> Translations:
    """The compiled translations of ``lang``: the ``.mo`` when fresh, else the ``.po``."""
    po = po_path(lang)
    mo = po.with_suffix(".mo")
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        with mo.open("rb") as fh:
            return Translations(fh, domain=DOMAIN)
    buf = BytesIO()
    write_mo(buf, catalog(lang))
    buf.seek(0)
    return Translations(buf, domain=DOMAIN)


def _lang(lang: str) -> str:
    return lang if lang in LOCALES else "en"


def gettext(key: str, lang: str) -> str:
    """The text of ``key`` in ``lang`` (unknown languages read English), or the key."""
    return str(translations(_lang(lang)).gettext(key))


def pgettext(context: str, key: str, lang: str) -> str:
    """The text of ``key`` in ``context`` (``report``), or the key."""
    return str(translations(_lang(lang)).pgettext(context, key))


def messages(lang: str, context: str | None = None) -> dict[str, str]:
    """Every translated ``key -> text`` of one context (``None``: the pages')."""
    return {
        str(m.id): str(m.string)
        for m in catalog(_lang(lang))
        if m.id and m.string and m.context == context
    }
