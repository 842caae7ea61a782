"""Secret files created 0600 in one step, complete or not at all.

Why ``os.open`` with ``O_CREAT | O_EXCL`` and mode 0o600, and never write-then-chmod:
between a write and a chmod the file exists with the umask's mode (often 0644),
readable by every local user. The mode is given to the call that creates the inode,
so no moment exists with wider permissions (the umask can only narrow it).

Why a temporary file and then a link into place (issue #14): a secret written in
place can be read half-written by a second process starting at the same time, or
left short by a crash. The bytes go to a fresh ``.<name>.<random>.tmp`` in the same
directory (``O_EXCL``, 0600), are fsync-ed, and only then appear under the final
name, atomically. The publishing step is ``os.link``, the rename that refuses to
replace: two processes racing each build their own file, exactly one wins, and the
loser gets ``False`` and reads the winner's secret (a plain ``os.rename`` would let
the second silently replace the key the first already uses). On a file system
without hard links, ``os.rename`` after an existence check is the fallback.

A leaf module (standard library only): ``graphsvc.config`` uses it for the secrets it
generates, below every other layer.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

MODE = 0o600


def _write_temp(directory: Path, name: str, data: bytes) -> Path:
    """A new 0600 file in ``directory`` holding ``data``, fsync-ed."""
    while True:
        tmp = directory / f".{name}.{secrets.token_hex(6)}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, MODE)
        except FileExistsError:
            continue
        break
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def create_secret(path: Path, data: bytes) -> bool:
    """Write ``data`` to a new file of mode 0600; False (nothing written) if it exists.

    A missing parent directory is created 0700 (a key's name is nobody else's business).
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if path.exists():
        return False
    tmp = _write_temp(path.parent, path.name, data)
    try:
        try:
            os.link(tmp, path)  # atomic, and never replaces an existing file
        except FileExistsError:
            return False
        except OSError:  # no hard links here (some network file systems)
            if path.exists():
                return False
            os.rename(tmp, path)
        _fsync_dir(path.parent)
        return True
    finally:
        tmp.unlink(missing_ok=True)


def read_or_create(path: Path, make: bytes) -> bytes:
    """The file's bytes; ``make`` written first (0600, atomically) when it does not exist.

    A zero-length file (left by an older version that wrote in place) is replaced.
    """
    if create_secret(path, make):
        return make
    data = path.read_bytes()
    if data:
        return data
    path.unlink(missing_ok=True)
    if create_secret(path, make):
        return make
    return path.read_bytes()


def create_empty_private(path: Path) -> None:
    """Create ``path`` empty with mode 0600 unless it exists (files that other code
    then fills, such as a SQLite database of password hashes)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, MODE)
    except FileExistsError:
        return
    os.close(fd)
