"""The journal of loads in progress: one small JSON file per running load.

Why a file beside the store and not a node in it: after a crash the store itself may
have gone back to its last snapshot, and the question "was a load interrupted, and
how do I finish it?" must be answerable before anything is read from the store
(``graphsvc store start`` asks it). A load writes its entry when it starts and
removes it when it has finished or has removed what it wrote; an entry left behind
means the loader was killed (SIGKILL, power loss) or its clean-up failed.
"""

from __future__ import annotations

import json
import os
import shlex
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path


@dataclass(frozen=True)
class LoadEntry:
    load_id: str
    source: str
    mapping: str | None
    graph: str
    started_at: str

    def resume_command(self) -> str:
        """Re-running the same load resumes it exactly (docs/loading.md, crash recovery)."""
        cmd = ["graphsvc", "load", self.source]
        if self.mapping:
            cmd += ["--mapping", self.mapping]
        return shlex.join(cmd)

    def rollback_command(self) -> str:
        return shlex.join(["graphsvc", "load", "--rollback", self.load_id])


def journal_dir(data_dir: Path) -> Path:
    return data_dir / "loads" / "running"


def begin(directory: Path, entry: LoadEntry) -> None:
    """Record ``entry`` (owner-only file: it names input paths)."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = directory / f"{entry.load_id}.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(asdict(entry), fh)
        fh.flush()
        os.fsync(fh.fileno())  # a power cut right after the first write must leave it


def finish(directory: Path, load_id: str) -> None:
    (directory / f"{load_id}.json").unlink(missing_ok=True)


def finish_resumed(directory: Path, entry: LoadEntry) -> None:
    """A successful load of the same source, mapping and graph completed every earlier
    interrupted one (a re-run resumes exactly), so their entries go too."""
    for old in interrupted(directory):
        if (old.source, old.mapping, old.graph) == (entry.source, entry.mapping, entry.graph):
            finish(directory, old.load_id)


def interrupted(directory: Path) -> list[LoadEntry]:
    """Entries of loads that started and never finished, oldest first."""
    if not directory.is_dir():
        return []
    out: list[LoadEntry] = []
    for path in sorted(directory.glob("*.json")):
        try:
            out.append(LoadEntry(**json.loads(path.read_text(encoding="utf-8"))))
        except (OSError, ValueError, TypeError):
            continue  # a torn entry: the loader died while writing it, before any data
    return out


def new_entry(load_id: str, source: Path, mapping: Path | str | None, graph: str) -> LoadEntry:
    # A mapping is a path or the name of a shipped one ("national"): keep names as given.
    named = mapping is not None and not Path(mapping).exists()
    return LoadEntry(
        load_id=load_id,
        source=str(source.resolve()),
        mapping=None
        if mapping is None
        else str(mapping)
        if named
        else str(Path(mapping).resolve()),
        graph=graph,
        started_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
