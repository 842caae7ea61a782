"""The project carries what it cites (issue #18): its own copy of the data contract and
of the legal texts, and no absolute path of one machine in code or docs.

The shared folder (the steering copy of the contract and the seeds) sits beside the
checkout on the team's machines and in CI; a user's checkout has none, so the
comparisons skip there.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ("graphsvc", "docs", "loaders", "viz")
# Seed file -> the copy the package ships (graphsvc/cases/legal.py reads these).
SEED_COPIES = {
    "000_fad08daf60fc68f5.txt": "graphsvc/cases/legal_texts/hainan_measures.txt",
    "004_3a30d565a0050f5a.txt": "graphsvc/cases/legal_texts/heilongjiang_opinions.txt",
}
ABSOLUTE_WORK_PATH = re.compile(r"(?<![\w.~-])/work/")


def shared_dir() -> Path | None:
    """GRAPHSVC_SHARED_DIR, else a ``shared`` folder beside the checkout (CI) or beside
    the folder of worktrees (the team's machines)."""
    env = os.environ.get("GRAPHSVC_SHARED_DIR")
    candidates = [Path(env)] if env else [ROOT.parent / "shared", ROOT.parent.parent / "shared"]
    return next((c for c in candidates if (c / "DATA-CONTRACT.md").is_file()), None)


def test_data_contract_copy_equals_the_shared_one() -> None:
    shared = shared_dir()
    if shared is None:
        pytest.skip("no shared folder beside this checkout")
    ours = (ROOT / "docs" / "data-contract.md").read_text(encoding="utf-8")
    assert ours == (shared / "DATA-CONTRACT.md").read_text(encoding="utf-8"), (
        "docs/data-contract.md differs from the shared DATA-CONTRACT.md: copy it over"
    )


@pytest.mark.parametrize("seed", sorted(SEED_COPIES))
def test_legal_text_copies_equal_the_seeds(seed: str) -> None:
    shared = shared_dir()
    if shared is None or not (shared / "seeds" / seed).is_file():
        pytest.skip("no shared seeds beside this checkout")
    ours = (ROOT / SEED_COPIES[seed]).read_bytes()
    assert ours == (shared / "seeds" / seed).read_bytes(), f"{SEED_COPIES[seed]} != seed {seed}"


def tracked_files() -> list[Path]:
    """Files git tracks under SCANNED (a walk when this is not a git checkout)."""
    try:
        out = subprocess.run(  # noqa: S603  fixed argv, no shell, no user input
            ["git", "ls-files", "-z", *SCANNED],  # noqa: S607  the tool is found on PATH on purpose
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout.decode()
        return [ROOT / p for p in out.split("\0") if p]
    except (OSError, subprocess.CalledProcessError):
        return [p for d in SCANNED for p in (ROOT / d).rglob("*") if p.is_file()]


def test_no_absolute_machine_paths() -> None:
    files = tracked_files()
    assert any(p.name == "data-contract.md" for p in files)  # the scan sees docs/
    hits = []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, FileNotFoundError, IsADirectoryError):  # a link to a folder
            continue
        for n, line in enumerate(text.splitlines(), 1):
            if ABSOLUTE_WORK_PATH.search(line):
                hits.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()[:80]}")
    assert not hits, "absolute /work/ paths; name paths relative to the repository:\n" + "\n".join(
        hits
    )
