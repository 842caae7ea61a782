"""National-platform exports load as they are (issue #15): file names, code lists,
certificate types, wide contact columns, refunds netted out, 共济 from acct_mulaid_pay.

Everything runs against the real embedded store; the mapping is the shipped one,
found by name.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from loader_fixtures import write_csv

from graphsvc.config import Settings
from graphsvc.contract.normalise import gb11643_valid
from graphsvc.errors import InputError
from graphsvc.store import Store, open_store
from loaders import load_directory
from loaders.mapping import parse_mapping, read_mapping

HOLDER, MEMBER, VISITOR, PASSPORT, BADID = "P1", "P2", "P3", "P4", "P5"
GOOD_ID = "460100198001010014"
GOOD_ID_2 = "460100198502020026"
WRONG_CHECK = "460100198001010015"


def read_rejects(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def settlement(setl_id: str, psn: str, **over: str) -> dict[str, str]:
    row = {
        "setl_id": setl_id,
        "mdtrt_id": "M" + setl_id,
        "psn_no": psn,
        "fixmedins_code": "H1",
        "atddr_no": "D1",
        "begndate": "2024-03-01",
        "enddate": "",
        "med_type": "11",
        "dise_codg": "",
        "dscg_maindiag_code": "J06.9",
        "medfee_sumamt": "100.00",
        "fund_pay_sumamt": "60.00",
        "hifp_pay": "60.00",
        "psn_cash_pay": "40.00",
        "acct_pay": "0",
        "acct_mulaid_pay": "0",
        "refd_setl_flag": "0",
        "init_setl_id": "",
    }
    row.update(over)
    return row


def national_dir(tmp_path: Path, *, insutype_of_p3: str = "391") -> Path:
    d = tmp_path / "export"
    d.mkdir()
    write_csv(
        d / "medinsinfo.csv",
        [
            {
                "fixmedins_code": "H1",
                "fixmedins_name": "省人民医院",
                "fixmedins_type": "1",
                "medins_type": "A",
                "hosp_lv": "02",
                "fix_blng_admdvs": "460100",
            },
            {
                "fixmedins_code": "H2",
                "fixmedins_name": "龙华卫生院",
                "fixmedins_type": "1",
                "medins_type": "C",
                "hosp_lv": "11",
                "fix_blng_admdvs": "460106",
            },
        ],
    )
    write_csv(
        d / "dr_info.csv",
        [{"dr_codg": "D1", "dr_name": "王医生", "fixmedins_code": "H1", "dept_name": "内科"}],
    )
    people = [
        (HOLDER, "01", GOOD_ID, "1", "310", "13800000001", "海秀路12号"),
        (MEMBER, "01", GOOD_ID_2, "2", "390", "", ""),
        (VISITOR, "01", "", "9", insutype_of_p3, "13800000001", ""),
        (PASSPORT, "03", "E12345678", "0", "410", "", "海秀路12号"),
        (BADID, "01", WRONG_CHECK, "1", "310", "13900000009", ""),
    ]
    write_csv(
        d / "psn_info.csv",
        [
            {
                "psn_no": p,
                "psn_cert_type": t,
                "certno": c,
                "psn_name": "某",
                "gend": g,
                "brdy": "1980-01-01",
                "insutype": i,
                "insuplc_admdvs": "460100",
                "tel": tel,
                "addr": addr,
                "emp_name": "某公司" if p == HOLDER else "",
            }
            for p, t, c, g, i, tel, addr in people
        ],
    )
    write_csv(
        d / "mulaid_bind.csv",
        [{"acct_psn_no": HOLDER, "mulaid_psn_no": MEMBER, "relation": "1", "begndate": ""}],
    )
    write_csv(
        d / "setlinfo.csv",
        [
            # 共济: the member's settlement paid 30 from the holder's account
            settlement("S1", MEMBER, acct_pay="30.00", acct_mulaid_pay="25.00", psn_cash_pay="10"),
            # 日间手术 with a 病种 code that must not become the diagnosis
            settlement(
                "S2",
                HOLDER,
                med_type="28",
                enddate="2024-03-02",
                dise_codg="B0001",
                dscg_maindiag_code="K35.8",
            ),
            # a wrong charge reversed in full: no visit, no fund paid
            settlement("S3", HOLDER),
            settlement(
                "S3R",
                HOLDER,
                medfee_sumamt="-100.00",
                fund_pay_sumamt="-60.00",
                refd_setl_flag="1",
                init_setl_id="S3",
            ),
            # a partial refund: 20 of 100 back, 12 of it fund
            settlement("S4", HOLDER),
            settlement(
                "S4R",
                HOLDER,
                medfee_sumamt="-20.00",
                fund_pay_sumamt="-12.00",
                refd_setl_flag="1",
                init_setl_id="S4",
            ),
            # the dependant of a rejected participant
            settlement("S5", BADID),
        ],
    )
    write_csv(
        d / "feedetail.csv",
        [
            {"feedetl_sn": "1", "setl_id": "S3", "med_list_codg": "X1", "cnt": "1", "pric": "100"},
            {"feedetl_sn": "2", "setl_id": "S4", "med_list_codg": "X1", "cnt": "1", "pric": "80"},
        ],
    )
    write_csv(
        d / "refmedin.csv",
        [
            {
                "trt_dcla_detl_sn": "R1",
                "psn_no": HOLDER,
                "fixmedins_code": "H2",
                "reflin_medins_no": "H1",
                "refl_date": "2024-02-28",
                "begndate": "2024-02-01",
                "enddate": "2024-05-01",
                "refl_type": "1",
                "refl_rea": "病情需要",
                "tel": "13700000007",
            }
        ],
    )
    return d


def test_shipped_mapping_is_found_by_name_and_a_path_still_works(tmp_path: Path) -> None:
    by_name = read_mapping("national")
    assert by_name.source is not None and by_name.source.name == "national.yaml"
    assert read_mapping(by_name.source).columns == by_name.columns
    with pytest.raises(InputError, match="shipped: national"):
        read_mapping("nationall")


def test_a_national_export_loads_as_it_is(store: Store, tmp_path: Path) -> None:
    report = load_directory(
        store, national_dir(tmp_path), mapping="national", rejects_path=tmp_path / "r.csv"
    )
    counts = {n: (t.read, t.loaded, t.rejected, t.netted) for n, t in report.tables.items()}
    assert counts["participants"] == (5, 4, 1, 0)
    assert counts["prescriptions"] == (4, 3, 1, 3)  # S3 + S3R netted out, S4R folded into S4
    assert counts["prescription_items"] == (1, 1, 0, 1)  # the line of S3 goes with it
    assert counts["identifiers from psn_info.csv"] == (5, 4, 1, 0)
    assert counts["identifiers from refmedin.csv"] == (1, 1, 0, 0)
    assert report.unmapped == {}

    people = dict(
        store.query(
            "MATCH (p:Participant) RETURN p.id, [p.id_number, p.certno, p.insurance_type]"
        ).rows
    )
    assert people[PASSPORT] == [None, "E12345678", None]  # 03 passport, 410 long-term care
    assert people[VISITOR][2] == "resident"  # 391 城镇居民
    assert BADID not in people

    rejects = read_rejects(tmp_path / "r.csv")
    why = {(r["file"], r["column"]): r["reason"] for r in rejects}
    assert why[("psn_info.csv", "id_number")] == "id_number has a wrong GB 11643 check digit"
    assert not gb11643_valid(WRONG_CHECK)
    # dependants name the parent row they fell with
    assert why[("setlinfo.csv", "participant_id")].startswith(
        "participant_id P5 was rejected (psn_info.csv line 6:"
    )

    rx = {
        r[0]: r[1:]
        for r in store.query(
            "MATCH (s:Prescription) OPTIONAL MATCH (s)-[a:PAID_BY_ACCOUNT]->(h) "
            "RETURN s.id, s.visit_type, s.diagnosis_code, s.dise_codg, s.total_amount, "
            "s.fund_paid, h.id, a.amount"
        ).rows
    }
    assert set(rx) == {"S1", "S2", "S4"}
    assert rx["S1"][5:] == [HOLDER, 25.0]  # 共济 holder from the binding, its share
    assert rx["S2"][:3] == ["inpatient", "K35.8", "B0001"]  # ICD, not the 病种 code
    assert rx["S4"][3:5] == [80.0, 48.0]  # netted

    phones = store.query(
        "MATCH (p:Participant)-[:HAS_IDENTIFIER]->(x:Identifier {kind: 'phone'}) "
        "RETURN x.id, collect(p.id)"
    ).rows
    from graphsvc.security.vault import pii_for_store

    vault = pii_for_store(store).vault  # the graph holds pseudonyms, the vault the numbers
    raw = sorted([vault.get("Identifier", i)["value"], sorted(ps)] for i, ps in phones)
    assert raw == [
        ["13700000007", [HOLDER]],
        ["13800000001", [HOLDER, VISITOR]],
    ]
    [[region, kind]] = store.query(
        "MATCH (i:Institution {id: 'H2'}) RETURN i.region_code, i.kind"
    ).rows
    assert (region, kind) == ("460106", "clinic")
    [[date]] = store.query("MATCH (r:Referral {id: 'R1'}) RETURN r.date").rows
    assert date == "2024-02-28"  # refl_date, not the validity window's begndate

    before = graph_counts(store)
    again = load_directory(store, tmp_path / "export", mapping="national")
    assert again.rejected == report.rejected
    assert graph_counts(store) == before  # a reload changes nothing, netted rows included
    for name in ("participants", "prescriptions", "prescription_items", "referrals"):
        assert again.tables[name].unchanged == report.tables[name].loaded, name


def test_a_code_the_mapping_lacks_is_reported_by_column_and_count(
    store: Store, tmp_path: Path
) -> None:
    report = load_directory(
        store,
        national_dir(tmp_path, insutype_of_p3="395"),
        mapping="national",
        rejects_path=tmp_path / "r.csv",
    )
    assert report.unmapped == {"psn_info.csv insutype": {"395": 1}}
    summary = report.summary().splitlines()
    assert summary[1].startswith("  codes the mapping does not know")
    assert summary[2].strip() == "psn_info.csv insutype 395: 1 row"
    assert report.to_json()["unmapped_codes"] == {"psn_info.csv insutype": {"395": 1}}


def test_shared_payment_without_a_binding_is_a_reject_naming_the_column(
    store: Store, tmp_path: Path
) -> None:
    d = national_dir(tmp_path)
    (d / "mulaid_bind.csv").unlink()
    load_directory(store, d, mapping="national", rejects_path=tmp_path / "r.csv")
    [rej] = [r for r in read_rejects(tmp_path / "r.csv") if r["column"] == "acct_mulaid_pay"]
    assert (rej["file"], rej["line"]) == ("setlinfo.csv", "2")
    assert "no 共济 binding" in rej["reason"]


def test_a_reversal_of_a_settlement_not_in_the_file_is_rejected(
    store: Store, tmp_path: Path
) -> None:
    d = national_dir(tmp_path)
    raw = (d / "setlinfo.csv").read_bytes()
    assert raw.count(b",S4\r\n") == 1  # the init_setl_id of S4R, the last column
    (d / "setlinfo.csv").write_bytes(raw.replace(b",S4\r\n", b",S9\r\n"))
    report = load_directory(store, d, mapping="national", rejects_path=tmp_path / "r.csv")
    t = report.tables["prescriptions"]
    assert t.read == t.loaded + t.rejected
    reasons = [r["reason"] for r in read_rejects(tmp_path / "r.csv")]
    assert "reverses settlement S9, which is not in this file" in reasons


def test_mapping_extensions_name_a_bad_key() -> None:
    with pytest.raises(InputError, match="'fax' is not an identifier kind"):
        parse_mapping({"wide": {"participants": {"fax_no": "fax"}}})
    with pytest.raises(InputError, match=r"'netting\.prescriptions' needs 'original"):
        parse_mapping({"netting": {"prescriptions": {"flag": "refd_setl_flag"}}})
    with pytest.raises(InputError, match=r"only_when\.participants\.certno"):
        parse_mapping({"only_when": {"participants": {"certno": {"psn_cert_type": ["01"]}}}})


def rings_of(store: Store) -> list[tuple[str, tuple[str, ...]]]:
    from graphsvc.detection import run_detection

    rings = run_detection(store).to_json()["rings"]
    return sorted((r["typology"], tuple(sorted(m["id"] for m in r["members"]))) for r in rings)


def graph_counts(store: Store) -> dict[str, object]:
    rels = store.query("MATCH ()-[r]->() RETURN type(r) AS t, count(r) AS n ORDER BY t")
    labels = {k: v for k, v in store.counts().items() if k in ("Participant", "Prescription")}
    return {"nodes": labels, "rels": dict(rels.rows)}


def test_national_province_loads_with_no_rejects_and_finds_its_twins_rings(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    from graphsvc.generate import generate_province

    generate_province(tmp_path / "contract", participants=1_500, seed=11)
    generate_province(tmp_path / "national", participants=1_500, seed=11, fmt="national")
    assert (tmp_path / "national" / "setlinfo.csv").is_file()
    assert not (tmp_path / "national" / "prescriptions.csv").exists()
    national = load_directory(
        store, tmp_path / "national", mapping="national", rejects_path=tmp_path / "n.csv"
    )
    assert national.rejected == 0, read_rejects(tmp_path / "n.csv")[:3]
    assert national.unmapped == {}
    assert national.tables["prescriptions"].netted > 0  # refunds and reversals were there
    assert national.tables["identifiers from psn_info.csv"].loaded > 0

    twin_settings = Settings(data_dir=settings.data_dir, graph_name=settings.graph_name + "_twin")
    twin = open_store(twin_settings, start=False)
    try:
        contract = load_directory(twin, tmp_path / "contract", rejects_path=tmp_path / "c.csv")
        assert contract.rejected == 0
        assert graph_counts(store) == graph_counts(twin)
        twin_rings = rings_of(twin)
        assert len(twin_rings) >= 5
        assert rings_of(store) == twin_rings
    finally:
        twin.drop_all()
        twin.close()


def test_generated_national_files_use_the_platform_code_lists(tmp_path: Path) -> None:
    from graphsvc.generate import generate_province

    generate_province(tmp_path, participants=1_000, seed=3, fmt="national")
    with (tmp_path / "psn_info.csv").open(encoding="utf-8", newline="") as fh:
        people = list(csv.DictReader(fh))
    assert {p["insutype"] for p in people} <= {"310", "320", "380", "390", "391"}
    assert {p["gend"] for p in people} == {"1", "2"}
    others = [p for p in people if p["psn_cert_type"] != "01"]
    assert others and all(not gb11643_valid(p["certno"]) for p in others)
    with (tmp_path / "setlinfo.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    reversals = [r for r in rows if r["refd_setl_flag"] == "1"]
    assert reversals and all(r["init_setl_id"] for r in reversals)
    assert any(float(r["acct_mulaid_pay"]) > 0 for r in rows)
    assert {r["med_type"] for r in rows} <= {"11", "14", "21", "22", "28", "41"}


def test_bad_national_input_still_gets_file_line_column_and_reason(
    store: Store, tmp_path: Path
) -> None:
    d = national_dir(tmp_path)
    text = (d / "psn_info.csv").read_text(encoding="utf-8")
    (d / "psn_info.csv").write_text(text.replace("13900000009", "--"), encoding="utf-8")
    rows = (d / "setlinfo.csv").read_text(encoding="utf-8").splitlines()
    rows[2] = rows[2].replace(",28,", ",9901,")  # S2: a provincial med_type
    (d / "setlinfo.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    report = load_directory(store, d, mapping="national", rejects_path=tmp_path / "r.csv")
    got = {
        (r["file"], r["line"], r["column"], r["value_excerpt"]): r["reason"]
        for r in read_rejects(tmp_path / "r.csv")
    }
    assert got[("setlinfo.csv", "3", "visit_type", "9901")].startswith("visit_type must be one of")
    assert report.unmapped == {"setlinfo.csv med_type": {"9901": 1}}
    # a wide contact cell is named by its own column
    [(key, reason)] = [(k, v) for k, v in got.items() if k[0] == "psn_info.csv" and k[2] == "tel"]
    assert key[1] == "6" and "nothing left after normalising it as a phone" in reason
