"""Detection and screening texts come from the gettext catalogs (issue #13).

Every reason a detector or a screening rule writes is a ``Msg(key, **values)``
(graphsvc.locale.msg) rendered from ``graphsvc/locale/{zh_CN,en}/LC_MESSAGES``; these
tests keep it so: no Chinese typed into those modules, every key the code names exists
in both catalogs with the fields the code fills, and no catalog entry of theirs is left
unused. They read the source (ast/tokenize), so they run in a second.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from datetime import date
from pathlib import Path
from string import Formatter

import pandas as pd
import pytest

from graphsvc import locale
from graphsvc.detection import shared_identity
from graphsvc.detection.finding import Exemption, MoneyAtRisk
from graphsvc.locale.fmt import fmt_date, fmt_money, fmt_num, fmt_p
from graphsvc.locale.msg import Join, MissingText, Msg, Twin

ROOT = Path(__file__).resolve().parents[2]
CODE = sorted(
    [*(ROOT / "graphsvc/detection").glob("*.py"), *(ROOT / "graphsvc/screening").glob("*.py")]
)
CJK = re.compile(r"[\u2e80-\u9fff\u3000-\u303f\uff00-\uffef\uf900-\ufaff]+")
KEY = re.compile(r"^(?:reason|screen|sep)\.[\w.]*\w$")

# Chinese that stays in a string literal of these modules, each for a reason. Comments
# and docstrings may name the statutory terms (挂床住院, 家庭共济 ...): they are never
# shown to anyone and tie the code to the wording of the Hainan rules it implements.
ALLOWED: dict[str, dict[str, str]] = {
    "graphsvc/detection/config.py": dict.fromkeys(
        ("集体户", "长处方", "分解项目收费", "家庭共济", "委托购药", "多点执业"),
        "an English field description of the configuration names the statutory term it "
        "configures (a glossary for the operator tuning it, not a translation)",
    ),
}


def _docstrings(tree: ast.Module) -> set[int]:
    """Line numbers where a docstring starts (module, class, function)."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            first = body[0] if body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                lines |= {first.lineno} if isinstance(first.value.value, str) else set()
    return lines


def chinese_literals(source: str) -> list[tuple[int, str]]:
    """(line, Chinese run) of every string literal that is not a docstring."""
    docs = _docstrings(ast.parse(source))
    found: list[tuple[int, str]] = []
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type in (tokenize.STRING, getattr(tokenize, "FSTRING_MIDDLE", -1)):
            if tok.start[0] in docs and tok.type == tokenize.STRING:
                continue
            found += [(tok.start[0], run) for run in CJK.findall(tok.string)]
    return found


def test_the_cjk_check_sees_strings_and_spares_docstrings_and_comments() -> None:
    src = '"""模块说明"""\n# 注释\nx = "参保人"\ny = f"{x}名"\n\ndef f():\n    """函数"""\n'
    assert chinese_literals(src) == [(3, "参保人"), (4, "名")]


def test_no_chinese_in_detection_or_screening_code() -> None:
    """All Chinese of these modules lives in the .po files (allow-list above)."""
    assert len(CODE) > 20
    bad = []
    for path in CODE:
        rel = path.relative_to(ROOT).as_posix()
        allowed = ALLOWED.get(rel, {})
        for line, run in chinese_literals(path.read_text(encoding="utf-8")):
            if run not in allowed:
                bad.append(f"{rel}:{line}: {run}")
    assert bad == []


def _literal_keys(node: ast.expr, names: dict[str, list[str]]) -> list[str]:
    """The catalog keys a Msg's first argument can be: a literal, either branch of a
    conditional, or a name the module assigns such a value (``unit_key = ...``)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _literal_keys(node.body, names) + _literal_keys(node.orelse, names)
    if isinstance(node, ast.Name):
        return names.get(node.id, [])
    return []


def _assigned(tree: ast.Module) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                keys = [k for k in _literal_keys(node.value, {}) if KEY.match(k)]
                if keys:
                    out.setdefault(target.id, []).extend(keys)
    return out


def _code_keys() -> tuple[set[str], list[tuple[tuple[str, ...], str, set[str]]]]:
    """Every key-shaped string constant of the modules, and each ``Msg(...)`` call
    with its literal key(s) and keyword names (where: file:line)."""
    keys: set[str] = set()
    calls: list[tuple[tuple[str, ...], str, set[str]]] = []
    for path in [*CODE, ROOT / "graphsvc/locale/msg.py"]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        rel = path.relative_to(ROOT).as_posix()
        assigned = _assigned(tree)
        # label("reason.identifier", kind) names a family of keys (DYNAMIC), not a key
        prefixes = {
            id(node.args[0])
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "label"
        }
        for node in ast.walk(tree):
            if id(node) in prefixes:
                continue
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and KEY.match(node.value)
            ):
                keys.add(node.value)
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Msg":
                names = {k.arg for k in node.keywords if k.arg is not None}
                branch = _literal_keys(node.args[0], assigned) if node.args else []
                if branch:
                    calls.append((tuple(branch), f"{rel}:{node.lineno}", names))
    return keys, calls


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(text) if name}


def _entries(lang: str) -> dict[str, str]:
    return {str(m.id): str(m.string) for m in locale.catalog(lang) if m.id and m.context is None}


# Keys built from data: an identifier kind names its catalog entry.
DYNAMIC = {f"reason.identifier.{k}" for k in shared_identity.KIND_LABEL}


def test_every_key_the_code_names_is_in_both_catalogs_with_the_same_fields() -> None:
    keys, _ = _code_keys()
    keys |= DYNAMIC
    assert {"reason.statistic", "screen.readmission", "sep.enum"} <= keys
    assert len(keys) > 120
    zh, en = _entries("zh"), _entries("en")
    assert sorted(keys - set(zh)) == []
    assert sorted(keys - set(en)) == []
    assert sorted(k for k in keys if _fields(zh[k]) != _fields(en[k])) == []


def test_every_msg_call_fills_exactly_its_templates_fields() -> None:
    """A field the code does not fill would raise at render time (a ring lost at
    detection); a value no template prints is a number the reason silently drops. A
    call choosing between two keys fills each one's fields."""
    _, calls = _code_keys()
    assert len(calls) > 100
    zh = _entries("zh")
    wrong = []
    for keys, where, names in calls:
        fields = [_fields(zh.get(k, "")) for k in keys]
        # each template gets all it prints; every value is printed by one of them
        if any(not f <= names for f in fields) or names != set().union(*fields):
            wrong.append(f"{where} {keys}: code {sorted(names)}, catalog {fields}")
    assert wrong == []


def test_no_reason_or_screening_entry_is_left_unused() -> None:
    keys, _ = _code_keys()
    keys |= DYNAMIC
    ours = {k for k in _entries("zh") if KEY.match(k)}
    assert len(ours) > 120
    assert sorted(ours - keys) == []


# -- the message type and the value formats ---------------------------------------------


def test_a_message_renders_in_each_language_from_the_catalog() -> None:
    m = Msg("reason.family_sharing.null", p0=0.1234)
    assert m.render("en") == (
        "each person paid for is implausible at other holders' rate 0.123 (binomial)"
    )
    assert m.pair()[1] == "每名被支付人按其他账户持有人的比例0.123独立判定（二项分布）"


def test_values_that_are_texts_render_in_the_same_language() -> None:
    who = Msg("reason.who.doctor", doctor="D7")
    items = Join(["X1", "X2"], "sep.enum")
    m = Msg(
        "reason.over_prescription.fills",
        fills=3,
        items=items,
        who=who,
        patients=2,
        excess=1,
        ratio="4.0",
        overlap=2,
    )
    en, zh = m.pair()
    assert en.startswith("3 fills of X1, X2 by doctor D7 to 2 recurring patients")
    assert zh.startswith("医师D7向2名反复就诊患者开具X1、X2共3次")
    assert Twin("pairs", "对").render("zh") == "对" and Twin("pairs", "对").render("en") == "pairs"


def test_a_missing_key_or_value_is_a_clear_error() -> None:
    with pytest.raises(MissingText, match=r"reason\.no_such\.key"):
        Msg("reason.no_such.key").render("en")
    with pytest.raises(MissingText, match=r"reason\.who\.doctor.*\[\]"):
        Msg("reason.who.doctor").render("zh")


def test_exemption_and_money_sentences_are_rendered_from_the_catalogs() -> None:
    e = Exemption.of(
        "care_home",
        Msg("reason.shared_identity.exempt.care_home"),
        2,
        Msg("reason.unit.pairs"),
    )
    assert (e.reason, e.reason_zh, e.unit, e.unit_zh) == (
        "residents of one care home",
        "同一养老机构的住户",
        "pairs",
        "对",
    )
    assert e.sentence() == (
        "2 pairs explained as residents of one care home",
        "2对可由同一养老机构的住户解释",
    )
    money = MoneyAtRisk(settlements=2, fund=1000.0, account=234.5, shared=0.0).sentence()
    assert (
        money[1]
        == "涉及结算2笔，医保基金¥1,234.50（统筹基金¥1,000.00，个人账户¥234.50，其中共济¥0.00）"
    )


def test_value_formats() -> None:
    assert [fmt_p(x) for x in (0.5, -1.99, -2.0, -12.5, -12.49)] == [
        "1.00",
        "0.01",
        "1e-2",
        "1e-12",
        "1e-12",
    ]
    assert fmt_money(-3.456) == "¥-3.46" and fmt_money(1e6) == "¥1,000,000.00"
    assert [fmt_num(x) for x in (3.0, 0.000123456, 12.345)] == ["3", "0.000123", "12.3"]
    assert fmt_date(pd.Timestamp("2025-07-09 13:00")) == "2025-07-09"
    assert fmt_date(date(2024, 2, 29)) == "2024-02-29"


def test_chinese_screening_reasons_read_no_english_code_words() -> None:
    """Entity kinds, ring roles and typologies are data codes: the English reason keeps
    them, the Chinese one shows their page labels (参保人, 组织者, 共用身份信息)."""
    from graphsvc.screening import rules

    ix = rules.ScreenIndex()
    ix.add_participant("P1", None)
    ix.institutions.add("I1")
    ix.add_ring_member(
        "participant", "P1", rules.RingRef("si-1", "shared_identity", "recruiter", 0.9)
    )
    ix.add_ring_member("doctor", "D1", rules.RingRef("ov-2", "organised_visits", "hub doctor", 0.5))
    ix.grades[("institution", "I1")] = rules.GradeRef("D", "serious breaches", "严重失信")
    v = rules.screen(ix, rules.Settlement("S1", "P1", "I1", date(2025, 1, 2), doctor_id="D1"))
    assert [r.code for r in v.reasons] == ["ring_member", "ring_member", "risk_grade"]
    assert v.reasons[0].en == (
        "participant P1 is recruiter of current ring si-1 (shared_identity, score 0.90)"
    )
    assert v.reasons[0].zh == "参保人 P1 是当前团伙 si-1（共用身份信息，评分 0.90）的组织者"
    english = [r.zh for r in v.reasons if re.search(r"[A-Za-z]{3,}", r.zh)]
    assert english == []
