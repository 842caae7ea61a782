"""The typologies: one registry every layer reads (detectors, generator, pages, API).

A typology is a prohibited behaviour of the Hainan measures (海南省医疗保障基金监督管理办法,
docs/seeds/) that a detector looks for. Its name is part of the output contract (the
ring's ``typology``), so it is defined once here, below every reader; the detector
module that implements each is listed in ``graphsvc.detection.runner.MODULES``, and a
test keeps the two, the page translations and the generator's shapes equal.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Typology:
    name: str
    clause: str  # the clause of the Hainan measures it breaks
    name_en: str
    name_zh: str


REGISTRY: tuple[Typology, ...] = (
    Typology("shared_identity", "Hainan Art. 11; Art. 24(1)(2)", "Shared identity", "共用身份信息"),
    Typology("organised_visits", "Hainan Art. 23(7); Art. 24(5)", "Organised visits", "组织就诊"),
    Typology("fake_referral", "Hainan Art. 23(2)(9)", "Fake referral", "虚假转诊"),
    Typology(
        "family_sharing_abuse", "Hainan Art. 14; Art. 24(2)", "Family account abuse", "家庭共济滥用"
    ),
    Typology(
        "pharmacy_collusion", "Hainan Art. 23(5); Art. 24(4)", "Pharmacy collusion", "药店串通"
    ),
    Typology("split_hospitalisation", "Hainan Art. 23(1)", "Split hospitalisation", "分解住院"),
    Typology("ghost_hospitalisation", "Hainan Art. 23(1)", "Ghost hospitalisation", "挂床住院"),
    Typology("over_prescription", "Hainan Art. 23(2); Art. 24(4)", "Over-prescription", "超量开药"),
    Typology("duplicate_charging", "Hainan Art. 23(3)", "Duplicate charging", "重复收费"),
    Typology(
        "duplicate_enrolment", "Hainan Art. 11; Art. 24(3)", "Duplicate enrolment", "重复参保"
    ),
    Typology("card_lending", "Hainan Art. 24(1)(2)", "Card lending", "冒名就医购药"),
    Typology(
        "fabricated_services",
        "Hainan Art. 23(9); Art. 24(5)",
        "Fabricated services",
        "虚构医药服务",
    ),
)

TYPOLOGIES: tuple[str, ...] = tuple(t.name for t in REGISTRY)
CLAUSES: dict[str, str] = {t.name: t.clause for t in REGISTRY}
TYPOLOGY_ZH: dict[str, str] = {t.name: t.name_zh for t in REGISTRY}
TYPOLOGY_EN: dict[str, str] = {t.name: t.name_en for t in REGISTRY}
