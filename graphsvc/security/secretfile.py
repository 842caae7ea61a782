"""Secret files created 0600 in one step.

Why ``os.open`` with ``O_CREAT | O_EXCL`` and mode 0o600 instead of write-then-chmod:
between a write and a chmod the file exists with the umask's mode (often 0644),
readable by every local user; and two processes starting at once must not both
write a different secret. With ``O_EXCL`` the loser gets ``FileExistsError`` and
reads the winner's file.
"""

from __future__ import annotations

import os
from pathlib import Path

MODE = 0o600


def create_secret(path: Path, data: bytes) -> bool:
    """Write ``data`` to a new file of mode 0600; False (nothing written) if it exists.

    A missing parent directory is created 0700 (a key's name is nobody else's business).
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, MODE)
    except FileExistsError:
        return False
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return True


def read_or_create(path: Path, make: bytes) -> bytes:
    """The file's bytes; ``make`` written first (0600, atomically) when it does not exist.

    A half-written file from a crash mid-write would be read back short; writes are
    tiny and fsync-ed, and a zero-length file is treated as missing.
    """
    if not create_secret(path, make):
        data = path.read_bytes()
        if data:
            return data
        path.unlink()
        create_secret(path, make)
        return path.read_bytes()
    return make
