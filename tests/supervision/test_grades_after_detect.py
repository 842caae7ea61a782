"""Issue 17: ``graphsvc detect`` grades the run it writes, and a second run keeps the
first run's grades as history (the command as a user runs it, on the real store)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from graphsvc.config import Settings
from graphsvc.security.testing import isolated_settings
from graphsvc.store import Store
from graphsvc.supervision import history


def _detect(settings: Settings, *extra: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["GRAPHSVC_DATA_DIR"] = str(settings.data_dir)
    env["GRAPHSVC_GRAPH_NAME"] = settings.graph_name
    env["GRAPHSVC_STORE_URL"] = str(settings.store_url)
    env["GRAPHSVC_STORE_PASSWORD"] = str(settings.store_password or "")
    return subprocess.run(  # noqa: S603  fixed argv, no shell
        [sys.executable, "-m", "graphsvc.cli", "detect", *extra],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


def _run_id(stdout: str) -> str:
    """The run the command wrote (the data directory is the session's, shared)."""
    found = re.search(r"^detection run (\S+):", stdout, re.M)
    assert found, stdout
    return found.group(1)


def test_every_detection_run_is_graded_with_history(
    settings: Settings, store: Store, province_dir: Path, tmp_path: Path
) -> None:
    from loaders import load_directory

    store.ensure_schema()
    load_directory(store, province_dir)
    # grades in a data directory of this test's: other tests read the session's
    settings = isolated_settings(settings, tmp_path / "data")
    first = _detect(settings)
    assert first.returncode == 0, first.stderr
    assert "credit grades:" in first.stdout
    run1 = _run_id(first.stdout)
    assert f"entities graded for run {run1}" in first.stdout
    graded1 = history.list_grades(settings, run1)
    assert graded1, "a run with rings grades its members"

    second = _detect(settings)
    assert second.returncode == 0, second.stderr
    run2 = _run_id(second.stdout)
    assert run2 != run1 and f"entities graded for run {run2}" in second.stdout
    # the first run's grades are kept, unchanged, beside the second run's
    assert history.list_grades(settings, run1) == graded1
    assert history.list_grades(settings, run2)
    some = graded1[0]
    runs = [h["run_id"] for h in history.entity_history(settings, some.kind, some.id)]
    assert runs == [run2, run1]

    dry = _detect(settings, "--dry-run")
    assert dry.returncode == 0 and "credit grades:" not in dry.stdout
    dry_run = _run_id(dry.stdout)
    assert history.list_grades(settings, dry_run) == [], "a dry run is not graded"
