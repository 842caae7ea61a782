"""Reading files: formats, line numbers, and files that cannot be parsed at all."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from loader_fixtures import contract_tables, write_csv, write_dir

from graphsvc.errors import InputError
from loaders.mapping import ColumnMapping, parse_mapping, read_mapping
from loaders.read import read_directory

NO_MAP = ColumnMapping()
NATIONAL = Path(__file__).resolve().parents[2] / "loaders" / "mappings" / "national.yaml"


def test_line_numbers_follow_the_file_with_blank_lines_and_multiline_fields(
    tmp_path: Path,
) -> None:
    d = write_dir(tmp_path, contract_tables())
    (d / "participants.csv").write_text(
        'participant_id,name,note\nP1,a,x\n\nP2,b,"two\nlines"\nP3,c,y\n',
        encoding="utf-8",
    )
    t = read_directory(d, NO_MAP)["participants"]
    assert t.lines == [2, 4, 6]
    assert t.record(1)["participant_id"] == "P2"
    assert t.extra(1) == {"note": "two lines"}  # noqa: S610  Table.extra, not Django; whitespace collapsed


def test_bom_gzip_and_parquet_read_the_same(tmp_path: Path) -> None:
    tables = contract_tables()
    d = write_dir(tmp_path / "plain", tables)
    plain = read_directory(d, NO_MAP)

    g = write_dir(tmp_path / "gz", tables)
    raw = (g / "prescriptions.csv").read_bytes()
    (g / "prescriptions.csv").unlink()
    (g / "prescriptions.csv.gz").write_bytes(gzip.compress(raw))
    (g / "participants.csv").write_bytes(b"\xef\xbb\xbf" + (g / "participants.csv").read_bytes())

    p = write_dir(tmp_path / "pq", tables)
    (p / "participants.csv").unlink()
    rows = tables["participants"]
    pq.write_table(pa.table({k: [r[k] for r in rows] for k in rows[0]}), p / "participants.parquet")

    for other in (read_directory(g, NO_MAP), read_directory(p, NO_MAP)):
        for name in ("participants", "prescriptions"):
            a, b = plain[name], other[name]
            assert [a.record(i) for i in range(len(a))] == [b.record(i) for i in range(len(b))]
            assert a.lines == b.lines


def test_parquet_numbers_and_nulls_become_text(tmp_path: Path) -> None:
    d = write_dir(tmp_path, contract_tables())
    (d / "institutions.csv").unlink()
    pq.write_table(
        pa.table(
            {
                "institution_id": ["H1", "C1", "PH1"],
                "level": [3, None, 0],
                "kind": ["hospital", "clinic", "pharmacy"],
            }
        ),
        d / "institutions.parquet",
    )
    t = read_directory(d, NO_MAP)["institutions"]
    assert [t.record(i)["level"] for i in range(3)] == ["3", None, "0"]


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"participant_id,name\nP1,\xff\xfe\n", "participants.csv: line 2: not valid utf-8"),
        (b'participant_id,name\nP1,a\nP2,"open\n', "participants.csv: line 3: malformed CSV"),
        (b"name,gender\nx,M\n", "csv: line 1: missing required column(s) participant_id"),
        (b"participant_id,name,name\nP1,a,b\n", "line 1: column 'name' appears twice"),
        (b"", "participants.csv: empty file"),
    ],
    ids=["encoding", "quote", "required-column", "duplicate-header", "empty"],
)
def test_unparseable_files_raise_input_error_naming_file_and_line(
    tmp_path: Path, content: bytes, fragment: str
) -> None:
    d = write_dir(tmp_path, contract_tables())
    (d / "participants.csv").write_bytes(content)
    with pytest.raises(InputError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        read_directory(d, NO_MAP)


def test_missing_required_table_and_double_table(tmp_path: Path) -> None:
    d = write_dir(tmp_path, contract_tables())
    (d / "prescriptions.csv").rename(d / "prescriptions.parquet.bak")
    with pytest.raises(InputError, match="required table prescriptions is missing"):
        read_directory(d, NO_MAP)
    (d / "prescriptions.parquet.bak").rename(d / "prescriptions.csv")
    write_csv(d / "doctors.csv.gz", [])
    with pytest.raises(InputError, match="table doctors is given twice"):
        read_directory(d, NO_MAP)


def test_optional_tables_may_be_absent(tmp_path: Path) -> None:
    tables = {k: v for k, v in contract_tables().items() if k in ("participants", "prescriptions")}
    assert set(read_directory(write_dir(tmp_path, tables), NO_MAP)) == {
        "participants",
        "prescriptions",
    }


def test_gbk_file_reads_with_encoding_in_mapping(tmp_path: Path) -> None:
    d = write_dir(tmp_path, {"prescriptions": contract_tables()["prescriptions"]})
    (d / "participants.csv").write_bytes("participant_id,name\nP1,张三\n".encode("gbk"))
    with pytest.raises(InputError, match="not valid utf-8"):
        read_directory(d, NO_MAP)
    t = read_directory(d, parse_mapping({"encoding": "gbk"}))["participants"]
    assert t.record(0)["name"] == "张三"


def test_extra_columns_get_safe_property_names(tmp_path: Path) -> None:
    d = write_dir(tmp_path, contract_tables())
    (d / "participants.csv").write_text(
        "participant_id,Employer Name,备注,ID,load_id,2nd\nP1,ACME,x,y,z,w\n", encoding="utf-8"
    )
    t = read_directory(d, NO_MAP)["participants"]
    assert t.extra(0) == {  # noqa: S610  Table.extra, not Django
        "employer_name": "ACME",
        "extra_3": "x",
        "x_id": "y",
        "x_load_id": "z",
        "x_2nd": "w",
    }


# -- mapping files --------------------------------------------------------------------
def test_mapping_renames_coalesces_and_maps_values(tmp_path: Path) -> None:
    m = parse_mapping(
        {
            "prescriptions": {
                "setl_id": "prescription_id",
                "psn_no": "participant_id",
                "begndate": "date",
                "setl_time": "date",
            },
            "values": {"prescriptions": {"visit_type": {"11": "outpatient", "99": None}}},
        }
    )
    d = write_dir(tmp_path, contract_tables())
    (d / "prescriptions.csv").write_text(
        "setl_id,psn_no,institution_id,begndate,setl_time,visit_type\n"
        "S1,P1,H1,,2024-03-01 08:00:00,11\n"
        "S2,P1,H1,2024-03-02,2024-03-05 09:00:00,99\n",
        encoding="utf-8",
    )
    t = read_directory(d, m)["prescriptions"]
    r0, r1 = t.record(0), t.record(1)
    assert (r0["prescription_id"], r0["date"], r0["visit_type"]) == (
        "S1",
        "2024-03-01 08:00:00",
        "outpatient",
    )
    assert (r1["date"], r1["visit_type"]) == ("2024-03-02", None)


@pytest.mark.parametrize(
    ("doc", "key"),
    [
        ({"patients": {}}, "'patients'"),
        ({"participants": {"psn_no": "participant_no"}}, "'participants.psn_no'"),
        ({"values": {"participants": {"sex": {"1": "M"}}}}, "'values.participants.sex'"),
        ({"values": {"people": {}}}, "'values.people'"),
        ({"files": {"people": "x"}}, "'files.people'"),
    ],
)
def test_unknown_mapping_keys_name_file_and_key(tmp_path: Path, doc: object, key: str) -> None:
    path = tmp_path / "m.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_mapping(path)
    assert str(path) in str(err.value)
    assert key in str(err.value)


def test_unreadable_mapping_file(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text("participants: [unclosed", encoding="utf-8")
    with pytest.raises(InputError, match="not valid YAML/JSON"):
        read_mapping(path)


def test_national_mapping_parses_and_covers_the_named_codes() -> None:
    m = read_mapping(NATIONAL)
    flat = {(t, theirs): ours for t, pairs in m.columns.items() for theirs, ours in pairs}
    assert flat[("participants", "psn_no")] == "participant_id"
    assert flat[("participants", "certno")] == "id_number"
    assert flat[("prescriptions", "setl_id")] == "prescription_id"
    assert flat[("prescriptions", "medfee_sumamt")] == "total_amount"
    assert flat[("prescriptions", "fund_pay_sumamt")] == "fund_paid"
    assert flat[("prescriptions", "acct_pay")] == "account_paid"
    assert flat[("prescription_items", "hilist_code")] == "item_code"
    assert m.values["prescriptions"]["visit_type"]["41"] == "pharmacy"
    assert m.values["participants"]["insurance_type"]["390"] == "resident"
