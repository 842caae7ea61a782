"""Named Cypher files under ``queries/``, loaded by name, never built from user input.

A file starts with ``//`` header lines::

    // description: Members of a ring with their roles
    // params: ring_id
    // mode: read            (or write)
    // tags: saved            (listed in the analyst console's library)
    // defaults: limit=50, status=null   (values used when a caller gives none)

Defaults are JSON values (numbers, ``true``/``false``/``null``, ``"strings"``); a
bare word is taken as a string. The console runs a saved query with them, so a
``LIMIT $limit`` never meets ``null``.

``name.cypher`` serves every backend; ``name.neo4j.cypher`` or
``name.falkordb.cypher`` overrides it for one backend, for the few places where
the dialects differ.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from graphsvc.errors import NotFound

# Found through the package, not beside the source: an installed wheel carries them as
# ``graphsvc/queries``; in a checkout that is a link to ``queries/`` at the root, where
# they are edited (resolved, so paths name the real files).
QUERIES_DIR = Path(str(resources.files("graphsvc") / "queries")).resolve()
BACKENDS = ("falkordb", "neo4j")


@dataclass(frozen=True)
class NamedQuery:
    name: str
    text: str
    path: Path
    description: str = ""
    params: tuple[str, ...] = ()
    write: bool = False
    tags: tuple[str, ...] = field(default_factory=tuple)
    backend: str | None = None  # None = shared by every backend
    defaults: dict[str, Any] = field(default_factory=dict, hash=False)

    @property
    def saved(self) -> bool:
        """Listed in the analyst console's saved-query library."""
        return "saved" in self.tags


def _split(s: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in s.split(",") if p.strip())


def parse_defaults(spec: str, params: tuple[str, ...], where: Path) -> dict[str, Any]:
    """``limit=50, status=null`` -> ``{"limit": 50, "status": None}``; every name a param."""
    out: dict[str, Any] = {}
    for part in _split(spec):
        name, sep, raw = part.partition("=")
        name, raw = name.strip(), raw.strip()
        if not sep or name not in params:
            raise ValueError(f"{where}: default {part!r} is not name=value for a declared param")
        try:
            out[name] = json.loads(raw)
        except json.JSONDecodeError:
            out[name] = raw
    return out


def parse_query_file(path: Path) -> NamedQuery:
    text = path.read_text(encoding="utf-8")
    meta: dict[str, str] = {}
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("//"):
            if stripped:
                break
            continue
        body = stripped[2:].strip()
        if ":" in body:
            key, _, value = body.partition(":")
            meta[key.strip().lower()] = value.strip()
    stem_parts = path.name[: -len(".cypher")].split(".")
    backend = stem_parts[1] if len(stem_parts) > 1 and stem_parts[1] in BACKENDS else None
    mode = meta.get("mode", "read").lower()
    if mode not in ("read", "write"):
        raise ValueError(f"{path}: mode must be read or write, not {mode!r}")
    params = _split(meta.get("params", ""))
    return NamedQuery(
        name=stem_parts[0],
        text=text,
        path=path,
        description=meta.get("description", ""),
        params=params,
        defaults=parse_defaults(meta.get("defaults", ""), params, path),
        write=mode == "write",
        tags=_split(meta.get("tags", "")),
        backend=backend,
    )


class QueryLibrary:
    """All named queries of a directory, resolved per backend."""

    def __init__(self, directory: Path = QUERIES_DIR) -> None:
        self.directory = directory
        self._shared: dict[str, NamedQuery] = {}
        self._specific: dict[tuple[str, str], NamedQuery] = {}
        for path in sorted(directory.rglob("*.cypher")):
            q = parse_query_file(path)
            if q.backend:
                self._specific[(q.name, q.backend)] = q
            else:
                if q.name in self._shared:
                    raise ValueError(f"duplicate query name {q.name!r}: {path}")
                self._shared[q.name] = q

    def get(self, name: str, backend: str) -> NamedQuery:
        q = self._specific.get((name, backend)) or self._shared.get(name)
        if q is None:
            raise NotFound(f"no saved query named {name!r}")
        return q

    def names(self) -> list[str]:
        return sorted({*self._shared, *(n for n, _ in self._specific)})

    def saved(self, backend: str) -> list[NamedQuery]:
        """The analyst console's library: read-only queries tagged ``saved``."""
        # Names that exist only for another backend (e.g. GDS queries) are not listed.
        out = [self._specific.get((n, backend)) or self._shared.get(n) for n in self.names()]
        return [q for q in out if q is not None and q.saved and not q.write]

    def all_files(self) -> list[NamedQuery]:
        return [*self._shared.values(), *self._specific.values()]


@lru_cache
def default_library() -> QueryLibrary:
    return QueryLibrary()
