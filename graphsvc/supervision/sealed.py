"""Sealing tip-off reporters' identities with AES-256-GCM (举报人信息保密).

Why a key of its own and not the server secret: the secret key signs sessions and
is read by every request; this key opens reporters' names and phones and is read
only when a supervisor asks. It lives in a file (``settings.tips_key_file``, default
``DATA_DIR/keys/tips_aes.key``), created 0600 in one step, never in the tips
database: a copy of the database alone names nobody. The tip id is the associated
data, so a sealed identity moved onto another tip does not open.

>>> key = bytes(32)
>>> box = seal(key, "T1", {"name": "张三", "phone": "13800138000"})
>>> b"13800138000" in box
False
>>> unseal(key, "T1", box)["name"]
'张三'
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from graphsvc.config import Settings
from graphsvc.errors import ConfigError
from graphsvc.security.secretfile import read_or_create

KEY_BYTES = 32
NONCE_BYTES = 12


def key_path(settings: Settings) -> Path:
    return settings.tips_key_file or settings.ensure_data_dir() / "keys" / "tips_aes.key"


def load_key(settings: Settings) -> bytes:
    """The sealing key; created (0600) on first use, except in production."""
    path = key_path(settings)
    if not path.exists() and settings.environment == "production":
        raise ConfigError(f"no tip-off key at {path}: create 32 random bytes there, mode 0600")
    key = read_or_create(path, AESGCM.generate_key(bit_length=256))
    if len(key) != KEY_BYTES:
        raise ConfigError(f"{path}: a tip-off key is {KEY_BYTES} bytes, found {len(key)}")
    return key


def seal(key: bytes, tip_id: str, identity: dict[str, Any]) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    data = json.dumps(identity, ensure_ascii=False, sort_keys=True).encode()
    return nonce + AESGCM(key).encrypt(nonce, data, tip_id.encode())


def unseal(key: bytes, tip_id: str, box: bytes) -> dict[str, Any]:
    try:
        data = AESGCM(key).decrypt(box[:NONCE_BYTES], box[NONCE_BYTES:], tip_id.encode())
    except InvalidTag:
        raise ConfigError(
            f"tip {tip_id}: the reporter's identity does not open with this key"
        ) from None
    out: dict[str, Any] = json.loads(data)
    return out
