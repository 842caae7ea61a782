"""Every clause detection cites resolves to text of the seed documents."""

from __future__ import annotations

from graphsvc.cases.legal import TRANSFER_BASIS, quotes
from graphsvc.detection.rings import CLAUSES


def test_every_typology_clause_quotes_seed_text() -> None:
    for typology, clause in CLAUSES.items():
        qs = quotes(clause)
        assert qs, typology
        for q in qs:
            assert q.text.startswith("第"), (typology, q.reference)
            assert "海南省医疗保障基金监督管理办法" in q.document_zh


def test_items_are_selected() -> None:
    (q,) = quotes("Hainan Art. 23(1)")
    assert "分解住院" in q.text
    assert "虚构医药服务项目" not in q.text


def test_transfer_basis_quotes_both_documents() -> None:
    refs = [q.reference for q in quotes(TRANSFER_BASIS)]
    assert refs == ["Hainan Art. 26", "Heilongjiang (13)"]
    assert all(q.text for q in quotes(TRANSFER_BASIS))
    assert "移交司法机关" in quotes(TRANSFER_BASIS)[1].text
