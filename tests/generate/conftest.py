"""Small generated provinces for the generator's tests (each made once per session)."""

from __future__ import annotations

import pytest
from gen_helpers import Province

from graphsvc.generate import generate_province


@pytest.fixture(scope="session")
def province(tmp_path_factory: pytest.TempPathFactory) -> Province:
    out = tmp_path_factory.mktemp("gen-province")
    truth = generate_province(out, participants=3_000, seed=5)
    return Province(out, truth)


@pytest.fixture(scope="session")
def province_with_errors(tmp_path_factory: pytest.TempPathFactory) -> Province:
    out = tmp_path_factory.mktemp("gen-errors")
    truth = generate_province(out, participants=1_500, seed=9, with_errors=True)
    return Province(out, truth)
