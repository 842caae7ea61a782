"""Manifest, signature, deterministic zips and verification, without a store."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from case_fixtures import rezip

from graphsvc.cases import manifest as mf
from graphsvc.cases.evidence import csv_bytes

KEY = "test-key"
FILES = {
    "report.html": "<p>案件</p>".encode(),
    "evidence/settlements.csv": csv_bytes(["a"], [{"a": "1"}]),
    "graph/subgraph.json": b"{}",
}


def package(
    files: dict[str, bytes] = FILES, key: str = KEY, at: str = "2026-01-01T00:00:00Z"
) -> bytes:
    m = mf.build_manifest(
        files,
        {"case_id": "C-000001", "run_id": "r1", "params": {"x": 1}},
        exported_by="alice",
        exported_at=at,
    )
    return mf.write_zip({**files, mf.MANIFEST: mf.manifest_bytes(mf.sign_manifest(m, key))})


def test_intact_package_verifies() -> None:
    v = mf.verify_package(package(), KEY)
    assert v.ok, v.problems()
    assert v.signature == "valid"
    assert v.manifest["case_id"] == "C-000001"
    assert [f["path"] for f in v.manifest["files"]] == sorted(FILES)


def test_changed_byte_is_named() -> None:
    data = package()
    html = mf.read_zip(data)["report.html"]
    v = mf.verify_package(rezip(data, {"report.html": html[:-1] + b"X"}), KEY)
    assert not v.ok
    assert v.changed == ["report.html"]
    assert "changed: report.html" in v.problems()


def test_removed_file_is_named() -> None:
    v = mf.verify_package(rezip(package(), {"graph/subgraph.json": None}), KEY)
    assert not v.ok and v.missing == ["graph/subgraph.json"]


def test_added_file_is_named() -> None:
    v = mf.verify_package(rezip(package(), {"evidence/extra.csv": b"x"}), KEY)
    assert not v.ok and v.added == ["evidence/extra.csv"]


def test_edited_manifest_breaks_the_signature() -> None:
    data = package()
    m = json.loads(mf.read_zip(data)[mf.MANIFEST])
    m["exported_by"] = "mallory"
    v = mf.verify_package(rezip(data, {mf.MANIFEST: mf.manifest_bytes(m)}), KEY)
    assert not v.ok and v.signature == "invalid"
    assert not v.changed and not v.missing and not v.added


def test_rehashed_forgery_still_fails_without_the_key() -> None:
    """Changing a file and fixing its hash in the manifest is caught by the signature."""
    data = package()
    forged = dict(FILES, **{"report.html": b"<p>forged</p>"})
    m = mf.build_manifest(forged, {"case_id": "C-000001"}, exported_by="alice", exported_at="t")
    m = mf.sign_manifest(m, "guessed-key")
    v = mf.verify_package(
        rezip(data, {"report.html": forged["report.html"], mf.MANIFEST: mf.manifest_bytes(m)}), KEY
    )
    assert v.signature == "invalid" and not v.ok


def test_wrong_key_and_no_key_do_not_pass() -> None:
    assert mf.verify_package(package(), "other").signature == "invalid"
    unchecked = mf.verify_package(package(), None)
    assert unchecked.signature == "unchecked" and not unchecked.ok
    assert not unchecked.changed


def test_missing_manifest_and_garbage() -> None:
    assert mf.verify_package(rezip(package(), {mf.MANIFEST: None}), KEY).missing == [mf.MANIFEST]
    assert not mf.verify_package(b"not a zip", KEY).ok


def test_zip_bytes_depend_only_on_content() -> None:
    a = mf.write_zip(FILES)
    b = mf.write_zip(dict(reversed(list(FILES.items()))))
    assert a == b
    with zipfile.ZipFile(io.BytesIO(a)) as zf:
        infos = zf.infolist()
    assert [i.filename for i in infos] == sorted(FILES)
    assert {i.date_time for i in infos} == {mf.ZIP_EPOCH}


def test_only_manifest_differs_between_exports_at_different_times() -> None:
    a = mf.read_zip(package(at="2026-01-01T00:00:00Z"))
    b = mf.read_zip(package(at="2026-02-02T00:00:00Z"))
    assert [k for k in a if a[k] != b[k]] == [mf.MANIFEST]


def test_manifest_lists_hash_and_size_and_refuses_itself() -> None:
    m = mf.build_manifest(FILES, {}, exported_by="u", exported_at="t")
    entry = next(f for f in m["files"] if f["path"] == "report.html")
    assert entry["size"] == len(FILES["report.html"])
    assert entry["sha256"] == mf.sha256_hex(FILES["report.html"])
    with pytest.raises(ValueError):
        mf.build_manifest({mf.MANIFEST: b""}, {}, exported_by="u", exported_at="t")


def test_csv_has_bom_sorted_rows_and_reads_back_chinese() -> None:
    data = csv_bytes(["id", "name"], [{"id": "2", "name": "阿莫西林"}, {"id": "1", "name": None}])
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert text.splitlines() == ["id,name", "1,", "2,阿莫西林"]
