"""Manifest, Ed25519 signature, SHA256SUMS, deterministic zips and the standalone
verifier, without a store."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from case_fixtures import KEY, rezip
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from graphsvc.cases import manifest as mf
from graphsvc.cases.evidence import csv_bytes
from graphsvc.security import keys

PUB = keys.public_pem(KEY)
FILES = {
    "report.html": "<p>案件</p>".encode(),
    "evidence/settlements.csv": csv_bytes(["a"], [{"a": "1"}]),
    "graph/subgraph.json": b"{}",
}


def package(files: dict[str, bytes] = FILES, at: str = "2026-01-01T00:00:00Z") -> bytes:
    full = mf.with_verifier(files)
    m = mf.build_manifest(
        full,
        {"case_id": "C-000001", "run_id": "r1", "params": {"x": 1}},
        exported_by="alice",
        exported_at=at,
    )
    return mf.write_zip({**full, mf.MANIFEST: mf.manifest_bytes(mf.sign_manifest(m, KEY))})


def test_intact_package_verifies_line_by_line() -> None:
    v = mf.verify_package(package(), PUB)
    assert v.ok, v.problems()
    assert v.lines() == [
        "zip: ok",
        "manifest: ok",
        "files: ok (5 files)",
        f"signature: valid (Ed25519, key id {keys.key_id(KEY)})",
    ]
    assert [f["path"] for f in v.manifest["files"]] == sorted([*FILES, mf.SUMS, mf.VERIFIER])


def test_changed_byte_missing_added_are_named() -> None:
    data = package()
    html = mf.read_zip(data)["report.html"]
    v = mf.verify_package(rezip(data, {"report.html": html[:-1] + b"X"}), PUB)
    assert v.problems() == ["files: changed report.html"]
    v = mf.verify_package(rezip(data, {"graph/subgraph.json": None}), PUB)
    assert v.problems() == ["files: missing graph/subgraph.json"]
    v = mf.verify_package(rezip(data, {"evidence/extra.csv": b"x"}), PUB)
    assert v.problems() == ["files: added evidence/extra.csv"]
    # The signature still holds: the manifest was not touched, only the files.
    assert v.signature == "valid" and not v.ok


def test_altered_manifest_or_other_key_is_invalid_no_key_is_not_checked() -> None:
    data = package()
    m = json.loads(mf.read_zip(data)[mf.MANIFEST])
    m["case_id"] = "C-999999"
    v = mf.verify_package(rezip(data, {mf.MANIFEST: mf.manifest_bytes(m)}), PUB)
    assert v.problems() == [
        "signature: invalid (does not match: manifest.json altered after signing)"
    ]
    other = keys.public_pem(Ed25519PrivateKey.generate())
    assert mf.verify_package(data, other).signature == "invalid"
    unchecked = mf.verify_package(data, None)
    assert unchecked.files_ok and not unchecked.ok
    assert unchecked.lines()[2:] == [
        "files: ok (5 files)",
        f"signature: not checked (no public key given; signed by key id {keys.key_id(KEY)})",
    ]


def test_forged_signature_by_another_key_is_invalid() -> None:
    """Re-signing a doctored manifest needs the private key; another key is named."""
    data = package()
    m = json.loads(mf.read_zip(data)[mf.MANIFEST])
    m["liaison"] = "someone-else"
    forged = mf.sign_manifest(m, Ed25519PrivateKey.generate())
    v = mf.verify_package(rezip(data, {mf.MANIFEST: mf.manifest_bytes(forged)}), PUB)
    assert v.signature == "invalid" and "signed by key id" in v.signature_note


def test_corrupt_zip_and_missing_manifest_say_exactly_that() -> None:
    data = package()
    assert mf.verify_package(data[: len(data) // 2], PUB).lines() == [
        "zip: corrupt (not a readable zip: File is not a zip file)"
    ]
    assert mf.verify_package(b"not a zip", PUB).lines()[0].startswith("zip: corrupt")
    v = mf.verify_package(rezip(data, {mf.MANIFEST: None}), PUB)
    assert v.lines() == ["zip: ok", "manifest: missing (manifest.json not in the package)"]


def test_old_hmac_package_verifies_with_shared_key_only() -> None:
    m = mf.build_manifest(FILES, {"case_id": "C-1"}, exported_by="u", exported_at="t")
    m["format"] = "graphsvc-case-package/1"
    mac = hmac.new(b"old-key", mf.canonical(m), hashlib.sha256).hexdigest()
    m["signature"] = {"alg": "HMAC-SHA256", "key_id": "x", "value": mac}
    data = mf.write_zip({**FILES, mf.MANIFEST: mf.manifest_bytes(m)})
    assert mf.verify_package(data, PUB, hmac_key="old-key").ok
    assert mf.verify_package(data, PUB, hmac_key="wrong").signature == "invalid"
    assert mf.verify_package(data, PUB).signature == "not checked"


def test_zip_is_deterministic() -> None:
    a = zipfile.ZipFile(io.BytesIO(package()))
    b = zipfile.ZipFile(io.BytesIO(package(at="2027-01-01T00:00:00Z")))
    assert a.namelist() == b.namelist() and a.namelist()[-1] == mf.MANIFEST
    for name in a.namelist()[:-1]:
        assert a.read(name) == b.read(name)


def _run_standalone(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The shipped script, run with ``-I`` (isolated: no cwd, no user site, no graphsvc)."""
    return subprocess.run(  # noqa: S603  fixed argv, no shell, no user input
        [sys.executable, "-I", str(tmp / "verify_package.py"), *args],
        cwd=tmp,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_standalone_script_in_clean_dir_with_only_the_public_key(tmp_path: Path) -> None:
    data = package()
    (tmp_path / "pkg.zip").write_bytes(data)
    (tmp_path / "fund.pub.pem").write_bytes(PUB)
    (tmp_path / "verify_package.py").write_bytes(mf.read_zip(data)[mf.VERIFIER])
    r = _run_standalone(tmp_path, "pkg.zip", "--public-key", "fund.pub.pem")
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.splitlines() == mf.verify_package(data, PUB).lines()
    assert "import graphsvc" not in (tmp_path / "verify_package.py").read_text()

    tampered = rezip(data, {"report.html": b"<p>x</p>", "notes.txt": b"n"})
    (tmp_path / "bad.zip").write_bytes(tampered)
    r = _run_standalone(tmp_path, "bad.zip", "--public-key", "fund.pub.pem")
    assert r.returncode == 1
    assert "files: changed report.html" in r.stdout and "files: added notes.txt" in r.stdout

    (tmp_path / "corrupt.zip").write_bytes(data[:200])
    r = _run_standalone(tmp_path, "corrupt.zip", "--public-key", "fund.pub.pem")
    assert r.returncode == 1 and r.stdout.startswith("zip: corrupt")


def test_extracted_folder_passes_sha256sum_and_the_script(tmp_path: Path) -> None:
    data = package()
    out = tmp_path / "x"
    zipfile.ZipFile(io.BytesIO(data)).extractall(out)
    (tmp_path / "fund.pub.pem").write_bytes(PUB)
    shutil.copy(out / "verify_package.py", tmp_path / "verify_package.py")
    r = _run_standalone(tmp_path, str(out), "--public-key", "fund.pub.pem")
    assert r.returncode == 0, r.stdout
    if shutil.which("sha256sum"):
        ok = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=out, capture_output=True)  # noqa: S607  the tool is found on PATH on purpose
        assert ok.returncode == 0, ok.stdout
        (out / "report.html").write_bytes(b"changed")
        bad = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=out, capture_output=True)  # noqa: S607  the tool is found on PATH on purpose
        assert bad.returncode == 1 and b"report.html: FAILED" in bad.stdout
