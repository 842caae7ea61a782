"""A text not yet in a language: a catalog key and its values (issue #13).

Detectors and screening rules describe what they found once, as ``Msg(key, **values)``,
and render it in both languages from the gettext catalogs: the catalog entry of
``key`` is a ``str.format`` template whose fields are the values (format specs such as
``{share:.0%}`` or ``{day:%Y-%m-%d}`` live in the template, so a translator sees how a
number is printed). Why not two f-strings per sentence: the English and the Chinese
drifted apart (a number in one, not in the other), and Chinese in Python modules is
invisible to the catalogs' completeness checks.

A value may itself be a :class:`Msg` (rendered in the same language), a :class:`Join`
(items rendered in the language and joined by a catalog separator: a Chinese comma or
enumeration comma vs ", ") or a :class:`Twin` (a text already held in both languages).

A missing key is an error, not its key shown as text: reasons go into case files, and
tests/detection/test_reason_texts.py checks every key the code names exists in both
catalogs with the same fields.

>>> Msg.template("sep.list", "zh"), Msg.template("sep.list", "en")
('，', ', ')
>>> Join([Msg("sep.list"), "x"], "sep.enum").render("en")
', , x'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Union

from graphsvc.locale import LOCALES, translations

LANGS = tuple(LOCALES)  # ("zh", "en")

Value = Union[str, int, float, date, "Msg", "Join", "Twin"]


class MissingText(LookupError):
    """A key the code names has no entry in a catalog."""


class Msg:
    """A catalog key and the values its template is filled with."""

    __slots__ = ("key", "values")

    def __init__(self, key: str, /, **values: Value) -> None:
        self.key = key
        self.values: Mapping[str, Value] = values

    def __repr__(self) -> str:
        return f"Msg({self.key!r}, **{dict(self.values)!r})"

    @staticmethod
    def template(key: str, lang: str) -> str:
        """The catalog entry of ``key`` in ``lang``; :class:`MissingText` when none."""
        text = str(translations(lang).gettext(key))
        if text == key:
            raise MissingText(f"no catalog entry {key!r} in graphsvc/locale/{LOCALES[lang]}")
        return text

    def render(self, lang: str) -> str:
        """The text in ``lang``: the template filled with the values rendered in ``lang``."""
        values = {k: _render(v, lang) for k, v in self.values.items()}
        try:
            return self.template(self.key, lang).format(**values)
        except (KeyError, IndexError, ValueError) as exc:
            raise MissingText(
                f"catalog entry {self.key!r} ({LOCALES[lang]}) does not fit its values "
                f"{sorted(values)}: {exc!r}"
            ) from exc

    def pair(self) -> tuple[str, str]:
        """(English, Chinese): the shape rings store (``reasons``, ``reasons_zh``)."""
        return self.render("en"), self.render("zh")


class Join:
    """Items rendered in one language and joined by the catalog separator ``sep``.

    >>> Join(["a", "b"], "sep.enum").render("zh")
    'a、b'
    """

    __slots__ = ("items", "sep")

    def __init__(self, items: Sequence[Value], sep: str) -> None:
        self.items = list(items)
        self.sep = sep

    def __repr__(self) -> str:
        return f"Join({self.items!r}, {self.sep!r})"

    def render(self, lang: str) -> str:
        return Msg.template(self.sep, lang).join(str(_render(i, lang)) for i in self.items)

    def pair(self) -> tuple[str, str]:
        """(English, Chinese), as :meth:`Msg.pair`."""
        return self.render("en"), self.render("zh")


class Twin:
    """A text already in both languages (a stored ``reason``/``reason_zh`` pair) used as a
    value: each language's template gets its own twin.

    >>> Twin("pairs", "对").render("zh")
    '对'
    """

    __slots__ = ("en", "zh")

    def __init__(self, en: str, zh: str) -> None:
        self.en = en
        self.zh = zh

    def __repr__(self) -> str:
        return f"Twin({self.en!r}, {self.zh!r})"

    def render(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


def label(prefix: str, code: str) -> Twin:
    """A code word of the data (an entity kind, a ring role) in a reason: the English
    reason keeps the code, the Chinese one its page label (``kind.doctor`` 医师), so a
    Chinese sentence reads no English word; the code where the catalogs have no label.

    >>> label("role", "hub doctor").render("en"), label("kind", "nosuch").render("zh")
    ('hub doctor', 'nosuch')
    """
    key = f"{prefix}.{code}"
    zh = str(translations("zh").gettext(key))
    return Twin(code, code if zh == key else zh)


def region(code: str) -> Twin:
    """An administrative division code (GB/T 2260) with its name in each language:
    ``海口市（460100）`` / ``Haikou (460100)``. Investigators file by the code and read
    the name; a code the catalogs do not name (``region_name.<code>``: another
    province's, or a prefix such as ``4601``) reads as itself in both.

    >>> region("460100").render("zh"), region("460100").render("en"), region("4601").render("zh")
    ('海口市（460100）', 'Haikou (460100)', '4601')
    """
    key = f"region_name.{code}"
    names = {lang: str(translations(lang).gettext(key)) for lang in ("en", "zh")}
    if names["zh"] == key or names["en"] == key:
        return Twin(code, code)
    en, zh = (
        Msg("region.named", name=Twin(names["en"], names["zh"]), code=code).render(lang)
        for lang in ("en", "zh")
    )
    return Twin(en, zh)


_TEXTS = (Msg, Join, Twin)


def _render(value: Value, lang: str) -> str | int | float | date:
    """A value as its template sees it: texts rendered in ``lang``, numbers and dates
    kept (the template's format spec prints them)."""
    if isinstance(value, _TEXTS):
        return value.render(lang)
    return value
