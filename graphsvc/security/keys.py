"""The fund's Ed25519 package-signing key pair.

Why a key pair and not the server's HMAC secret: a liaison must be able to check a
package's origin on their own machine, and whoever can check an HMAC can also forge
one. With Ed25519 the fund publishes the public key (``graphsvc keys
export-public``) and keeps the private key in the data directory (mode 0600,
created atomically); anyone holding the public key verifies, nobody can sign.
"""

from __future__ import annotations

import base64
import contextlib
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from graphsvc.cases.verifier import ED25519, public_key_id
from graphsvc.config import Settings
from graphsvc.errors import ConfigError
from graphsvc.security.secretfile import create_secret

KEY_FILE = "signing_ed25519.pem"


def keys_dir(settings: Settings) -> Path:
    """``DATA_DIR/keys``, created (or tightened, for older installs) to mode 0700."""
    directory = settings.ensure_data_dir() / "keys"
    directory.mkdir(exist_ok=True, mode=0o700)
    with contextlib.suppress(PermissionError):  # another user's install: theirs to fix
        directory.chmod(0o700)
    return directory


def key_path(settings: Settings) -> Path:
    return keys_dir(settings) / KEY_FILE


def _private_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def generate(settings: Settings) -> Path:
    """Create the key pair; refuses to replace an existing one (old packages need it)."""
    path = key_path(settings)
    if not create_secret(path, _private_pem(Ed25519PrivateKey.generate())):
        raise ConfigError(f"{path} exists already; move it away first to rotate the key")
    return path


def load(settings: Settings) -> Ed25519PrivateKey:
    """The signing key; generated on first use outside production."""
    path = key_path(settings)
    if not path.exists():
        if settings.environment == "production":
            raise ConfigError(f"no signing key at {path}: run `graphsvc keys generate` once")
        create_secret(path, _private_pem(Ed25519PrivateKey.generate()))
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except ValueError as exc:
        raise ConfigError(f"{path}: not a readable PEM private key ({exc})") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigError(f"{path}: not an Ed25519 key")
    return key


def public_pem(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    pub = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return pub.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def key_id(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    pub = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public_key_id(
        pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )


def sign(key: Ed25519PrivateKey, message: bytes) -> dict[str, str]:
    """The manifest's ``signature`` object."""
    return {
        "alg": ED25519,
        "key_id": key_id(key),
        "value": base64.b64encode(key.sign(message)).decode("ascii"),
    }
