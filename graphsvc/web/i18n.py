"""Page texts in Simplified Chinese and English, read from the gettext catalogs.

The texts are ``graphsvc/locale/{zh_CN,en}/LC_MESSAGES/graphsvc.po`` (issue #13,
see graphsvc.locale for why message ids are keys); this module keeps the call shape
every page and template uses, ``t(key, lang, **params)`` and ``label(prefix, key,
lang)``. A key missing from the catalog shows as itself, so a gap is visible; the
catalog tests fail on it. The names of detected typologies are not in the catalogs: they
come from the typology registry (graphsvc.contract.typologies) with the clause they
break, so a new typology brings its names with it (``typology.manual``, a case opened
by hand, is a catalog text). Detector reasons are data stored on rings (an
en/zh pair per reason), not catalog entries.
The language comes from ``?lang=``, then the ``lang`` cookie, then the
browser's Accept-Language, then Chinese (the investigators' default).

>>> t("rings", "zh"), t("rings", "en")
('可疑团伙', 'Suspected rings')
>>> t("expand", "zh", n=2)
'扩展到 2 跳'
>>> label("typology", "fake_referral", "zh"), label("role", "no such role", "zh")
('虚假转诊', 'no such role')
>>> resolve_lang(None, None, "en-GB,en;q=0.9")
'en'
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from graphsvc import locale
from graphsvc.contract.typologies import TYPOLOGY_EN, TYPOLOGY_ZH
from graphsvc.locale.msg import region

LANGS: Final = ("zh", "en")
DEFAULT_LANG: Final = "zh"
COOKIE: Final = "lang"
_TYPOLOGY: Final = {"zh": TYPOLOGY_ZH, "en": TYPOLOGY_EN}


def _texts(lang: str) -> dict[str, str]:
    out = locale.messages(lang)
    out.update({f"typology.{k}": v for k, v in _TYPOLOGY[lang].items()})
    return out


# Every page text by language, read from the catalogs (for tests and for code that
# lists a family of keys); look texts up with t().
TEXTS: Final[dict[str, dict[str, str]]] = {lang: _texts(lang) for lang in LANGS}


def normalise_lang(value: str | None) -> str | None:
    """``zh-CN``/``zh_Hans``/``ZH`` -> ``zh``; ``en-GB`` -> ``en``; others -> None."""
    if not value:
        return None
    base = value.strip().lower().replace("_", "-").split("-")[0]
    return base if base in LANGS else None


def resolve_lang(query: str | None, cookie: str | None, accept: str | None) -> str:
    """The page language: explicit choice, remembered choice, browser, default."""
    for candidate in (query, cookie):
        lang = normalise_lang(candidate)
        if lang:
            return lang
    if accept:
        for part in accept.split(","):
            lang = normalise_lang(part.split(";")[0])
            if lang:
                return lang
    return DEFAULT_LANG


def t(key: str, lang: str, **fmt: object) -> str:
    """The text for ``key``; falls back to English, then to the key."""
    if key.startswith("typology.") and key[9:] in TYPOLOGY_EN:
        text = _TYPOLOGY.get(lang, TYPOLOGY_EN).get(key[9:]) or TYPOLOGY_EN[key[9:]]
    else:
        text = locale.gettext(key, lang)
        if text == key and lang != "en":
            text = locale.gettext(key, "en")
    return text.format(**fmt) if fmt else text


def label(prefix: str, key: str, lang: str) -> str:
    """A translated name of a kind/edge type/typology, or the raw key when unknown."""
    full = f"{prefix}.{key}"
    text = t(full, lang)
    return key if text == full else text


def fact_label(prop: str, lang: str) -> str:
    """The name of an entity property (``birth_date`` -> 出生日期), or the property."""
    return label("fact", prop, lang)


def fact_value(prop: str, value: object, lang: str) -> object:
    """A coded property value in words (``gender`` ``F`` -> 女); other values as they are.

    >>> fact_value("gender", "F", "zh"), fact_value("name", "王小明", "zh")
    ('女', '王小明')
    >>> fact_value("level", 2, "zh")
    2
    """
    if not isinstance(value, str):
        return value
    if prop == "region_code":
        return region_label(value, lang)
    key = f"fact_value.{prop}.{value}"
    text = t(key, lang)
    return value if text == key else text


def region_label(code: object, lang: str) -> str:
    """An administrative division code with its name (``海口市（460100）``), from
    :func:`graphsvc.locale.msg.region`; empty for no code.

    >>> region_label("460100", "zh"), region_label("460100", "en"), region_label("4601", "zh")
    ('海口市（460100）', 'Haikou (460100)', '4601')
    >>> region_label(None, "zh")
    ''
    """
    if code is None or code == "":
        return ""
    return region(str(code)).render(lang)


def error_text(exc: BaseException, lang: str, mask: Callable[[str], str] = str) -> str:
    """An error in the reader's language: its page text when it has one
    (``GraphsvcError.text_key``, with ``mask`` applied to the placeholders' values),
    else its English message."""
    key = getattr(exc, "text_key", None)
    if not isinstance(key, str) or not key:
        return mask(str(exc))
    params = getattr(exc, "text_params", None) or {}
    return t(key, lang, **{k: _term(v, lang) or mask(str(v)) for k, v in params.items()})


def _term(value: object, lang: str) -> str | None:
    """A ``graphsvc.errors.Term`` in ``lang`` (duck-typed: this leaf imports no error
    types); None for other values, which are shown masked as they are."""
    prefix, word = getattr(value, "prefix", None), getattr(value, "value", None)
    if not isinstance(prefix, str) or not isinstance(word, str):
        return None
    context = getattr(value, "context", None)
    key = f"{prefix}.{word}"
    text = locale.pgettext(context, key, lang) if context else locale.gettext(key, lang)
    return word if text == key else text
