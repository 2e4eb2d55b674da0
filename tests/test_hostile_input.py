"""A hostile delivery over two nights: no crash, rows in = valid + quarantined for every file, a bad row never
costs its file, exact duplicates load once, and the one rejected file has one line naming it and the reason."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from assets.ingest.config import SourceConfig
from assets.ingest.ingest import ingest_source
from assets.ingest.manifest import read_manifest
from assets.layout import DataLayout
from assets.parquet_files import open_parquet
from assets.validate import validate_partition
from assets.validate.rules import today_local

NIGHTS = ("2026-03-01", "2026-03-02")

SOURCES = [
    SourceConfig(
        name="crm", entity="contact", glob="crm/**/*.csv", primary_key=["source_record_id"],
        columns={"ID": "source_record_id", "Name": "full_name", "Phone": "phone_mobile", "Born": "birth_date"},
    ),
    SourceConfig(
        name="events", entity="enrichment", format="jsonl", glob="events/**/*.jsonl",
        columns={"id": "source_record_id", "email": "email", "name": "full_name"},
    ),
    SourceConfig(
        name="orders", entity="order", format="xlsx", glob="orders/**/*.xlsx", primary_key=["order_id"],
        columns={"order_id": "order_id", "order_date": "order_date", "qty": "quantity",
                 "unit_price": "unit_price", "amount": "amount", "store": "store"},
    ),
    SourceConfig(
        name="orders_csv", entity="order", glob="orders_csv/**/*.csv", primary_key=["order_id"],
        columns={"order_id": "order_id", "order_date": "order_date", "qty": "quantity",
                 "unit_price": "unit_price", "amount": "amount"},
    ),
    SourceConfig(
        name="campaigns", entity="campaign_member", glob="campaigns/**/*.csv",
        primary_key=["campaign_id", "customer_ref"],
        columns={"campaign": "campaign_id", "member": "customer_ref", "joined": "joined_at",
                 "status": "member_status"},
    ),
]  # fmt: skip

CONTACTS_1 = (
    "ID,Name,Phone,Born\n"
    "C1,Amy,13800000001,1990-01-02\n"  # line 2
    "C2,B\x00ob,13800000002,1990-01-03\n"  # 3: NUL byte
    "C3,Cy,#REF!,1990-01-04\n"  # 4: spreadsheet error
    "C1,Amy,13800000001,1990-01-02\n"  # 5: exact copy of line 2
    "C4,Dan,13800000004,1990-01-05\n"  # 6: key C4 twice, different content
    "C4,Dan,13900000004,1990-01-05\n"  # 7
    "C5,Eve,13800000005,45000\n"  # 8: a bare number in a text date column
    "C6,Fay,13800000006,#N/A\n"  # 9
    "C7,Gus,13800000007,1990-01-08\n"  # 10
)
LATEST_1 = "ID,Name,Phone,Born\nL1,Lee,13800000011,1990-13-45\nL2,Liu,13800000012,1991-01-01\n"
LATEST_2 = (
    "ID,Name,Phone,Born\nL1,Lee,13800000011,1990-12-25\nL2,Liu,13800000012,1991-01-01\nL3,Lu,138,1992-02-02\n"
)

DEEP = '{"id":"E2","x":' + "[" * 10_000 + "]" * 10_000 + "}"
EVENTS_1 = "\n".join(
    [
        '{"id":"E1","email":"a@x.com","name":"Ann"}',
        DEEP,
        '{"id":"E3","email":"first@x.com","email":"second@x.com"}',
        '{"id":"E4","name":"Ng","profile":{"age":41,"tags":["a",true,null],"ratio":0.50},"score":7}',
        '{"id":"E5","name":"Nu\\u0000l"}',
        '{"id":"E6","name":"Ok"}',
    ]
)
ARRAY_AS_JSONL = json.dumps([{"id": f"A{i}", "name": "x"} for i in range(300)], indent=2)


def _xlsx(path: Path, rows: list[list]) -> None:
    wb = openpyxl.Workbook()
    wb.active.append(["order_id", "order_date", "qty", "unit_price", "amount", "store"])
    for row in rows:
        wb.active.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


def _land(landing: Path, key: str, data: str | bytes) -> None:
    path = landing / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


def _night_1(landing: Path) -> None:
    day = NIGHTS[0]
    _land(landing, f"crm/{day}/contacts.csv", CONTACTS_1)
    _land(landing, "crm/latest.csv", LATEST_1)
    _land(landing, f"events/{day}/enrich.jsonl", EVENTS_1)
    _land(landing, f"events/{day}/array.jsonl", ARRAY_AS_JSONL)
    _xlsx(
        landing / f"orders/{day}/orders.xlsx",
        [
            ["O1", "2026-02-01 10:00", 2, 10.5, 21, "SH"],  # 2: fine
            ["O2", 46000, 1, 5, 5, "BJ"],  # 3: a numeric date cell: an Excel serial, fine in a spreadsheet
            ["O3", "2026-02-01", -1, 5, -5, "SH"],  # 4: negative quantity
            ["O4", "2026-02-01", 2, 5, 99, "SH"],  # 5: amount is not 2 × 5
            ["O5", "2042-01-01", 1, 5, 5, "SH"],  # 6: in the future
            ["O6", "2026-02-01", 1, 5, 5, "#N/A"],  # 7: error cell
            ["O1", "2026-02-01 10:00", 2, 10.5, 21, "SH"],  # 8: exact copy of line 2
        ],
    )
    _land(
        landing,
        f"orders_csv/{day}/orders.csv",
        "order_id,order_date,qty,unit_price,amount\nP1,2026-02-01,1,3,3\nP2,2026-02-01,1,3,#DIV/0!\nP3,45000,1,3,3\n",
    )
    _land(
        landing,
        f"campaigns/{day}/members.csv",
        "campaign,member,joined,status\nK1,M1,2026/02/01,attended\nK1,M2,,invited\nK1,M3,,registered\n",
    )


def _night_2(landing: Path) -> None:
    day = NIGHTS[1]
    _land(
        landing, f"crm/{day}/contacts.csv", "ID,Name,Phone,Born\nC8,Hal,1,1990-01-09\nC8,Hal,1,1990-01-09\n"
    )
    _land(landing, "crm/latest.csv", LATEST_2)  # corrected, same name
    _land(landing, f"events/{day}/enrich.jsonl", '{"id":"E7","name":"New"}\n')


def _quarantine(layout: DataLayout, source: str, day: str) -> pd.DataFrame:
    files = sorted(layout.quarantine(source, day).glob("*.parquet"))
    return pd.concat([open_parquet(p).read().to_pandas() for p in files]) if files else pd.DataFrame()


def _bronze(layout: DataLayout, source: str, day: str) -> pd.DataFrame:
    files = sorted(layout.bronze(source, day).glob("*.parquet"))
    return pd.concat([open_parquet(p).read().to_pandas() for p in files])


@pytest.fixture(scope="module")
def nights(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    landing = root / "landing"
    landing.mkdir()
    layout = DataLayout(root=root, landing=str(landing), config_dir=root)
    results = {}
    for day, deliver in zip(NIGHTS, (_night_1, _night_2), strict=True):
        deliver(landing)
        for cfg in SOURCES:
            results[(cfg.name, day)] = (ingest_source(cfg, layout, day), validate_partition(cfg, layout, day))
    return layout, results


def test_every_file_balances_and_only_the_array_is_rejected(nights):
    layout, results = nights
    expected_rows = {  # data rows in each landed file
        "crm/2026-03-01/contacts.csv": 9, "crm/latest.csv": None, "events/2026-03-01/enrich.jsonl": 6,
        "orders/2026-03-01/orders.xlsx": 7, "orders_csv/2026-03-01/orders.csv": 3,
        "campaigns/2026-03-01/members.csv": 3, "crm/2026-03-02/contacts.csv": 2,
        "events/2026-03-02/enrich.jsonl": 1,
    }  # fmt: skip
    for (source, day), (ingested, validated) in results.items():
        for f in validated.files:
            assert f["rows_in"] == f["rows_valid"] + f["rows_quarantined"], (source, day, f)
        for f in ingested.files:
            if f.status == "loaded" and expected_rows.get(f.key) is not None:
                assert f.rows_read == expected_rows[f.key], f.key
    manifest = read_manifest(layout)
    loaded = manifest[manifest["status"] == "loaded"]
    assert (loaded["rows_read"] == loaded["rows_valid"] + loaded["rows_quarantined"]).all()
    failed = manifest[manifest["status"] == "failed"]
    assert failed["key"].tolist() == ["events/2026-03-01/array.jsonl"]
    error = failed["error"].iloc[0]
    assert "\n" not in error and "a JSON array, not JSON lines" in error and "format: json" in error


def test_bad_cells_cost_their_row_only(nights):
    layout, _ = nights
    q = _quarantine(layout, "crm", NIGHTS[0])
    assert q.loc[q["file"] == "crm/latest.csv", "line"].tolist() == [2]  # 1990-13-45, fixed on night 2
    q = q[q["file"] != "crm/latest.csv"]
    got = sorted(zip(q["line"], q["check"], strict=True))
    assert got == [
        (3, "nul_byte"),
        (4, "spreadsheet_error"),
        (5, "duplicate_row"),
        (6, "primary_key_unique"),
        (7, "primary_key_unique"),
        (8, "parseable_date"),  # 45000 in a CSV is not guessed as an Excel serial
        (9, "spreadsheet_error"),
    ]
    assert q.loc[q["check"] == "duplicate_row", "raw_value"].tolist() == ["same as line 2"]
    bronze = _bronze(layout, "crm", NIGHTS[0])
    assert sorted(bronze["source_record_id"]) == [
        "C1",
        "C7",
        "L2",
    ]  # C1 once: the copy is quarantined, not both


def test_json_faults_are_row_level_and_extra_keeps_json(nights):
    layout, _ = nights
    q = _quarantine(layout, "events", NIGHTS[0])
    by_line = dict(zip(q["line"], zip(q["check"], q["reason"], strict=True), strict=True))
    assert by_line[2] == ("parseable_row", "invalid JSON: nested too deep to read")
    assert by_line[3][0] == "duplicate_json_key" and "'email'" in by_line[3][1]
    assert by_line[5][0] == "nul_byte"
    assert set(by_line) == {2, 3, 5}
    bronze = _bronze(layout, "events", NIGHTS[0]).set_index("source_record_id")
    assert (
        bronze.loc["E4", "_extra"] == '{"profile":{"age":41,"tags":["a",true,null],"ratio":0.50},"score":7}'
    )
    assert json.loads(bronze.loc["E4", "_extra"])["score"] == 7


def test_order_rules_and_spreadsheet_errors(nights):
    layout, _ = nights
    q = _quarantine(layout, "orders", NIGHTS[0])
    assert sorted(zip(q["line"], q["column"], q["check"], strict=True)) == [
        (4, "quantity", "greater_than"),
        (5, "amount", "amount_matches_quantity_times_price"),
        (6, "order_date", "max"),
        (7, "store", "spreadsheet_error"),
        (8, "*", "duplicate_row"),
    ]
    assert "10.00" in q.loc[q["line"] == 5, "reason"].iloc[0]  # the expected amount, said
    assert str(today_local()) in q.loc[q["line"] == 6, "reason"].iloc[0]
    assert sorted(_bronze(layout, "orders", NIGHTS[0])["order_id"]) == [
        "O1",
        "O2",
    ]  # serial date cell is fine
    csv_q = _quarantine(layout, "orders_csv", NIGHTS[0])
    assert sorted(zip(csv_q["line"], csv_q["check"], strict=True)) == [
        (3, "spreadsheet_error"),
        (4, "parseable_date"),
    ]


def test_invited_members_may_lack_joined_at(nights):
    layout, _ = nights
    q = _quarantine(layout, "campaigns", NIGHTS[0])
    assert q[["line", "column", "check"]].values.tolist() == [[4, "joined_at", "not_empty"]]
    assert sorted(_bronze(layout, "campaigns", NIGHTS[0])["customer_ref"]) == ["M1", "M2"]


def test_night_two_loads_the_corrected_file_and_new_duplicates(nights):
    layout, results = nights
    ingested, _ = results[("crm", NIGHTS[1])]
    assert sorted(f.key for f in ingested.files if f.status == "loaded") == [
        "crm/2026-03-02/contacts.csv",
        "crm/latest.csv",
    ]
    bronze = _bronze(layout, "crm", NIGHTS[1])
    assert sorted(bronze["source_record_id"]) == ["C8", "L1", "L2", "L3"]
    q = _quarantine(layout, "crm", NIGHTS[1])
    assert q["check"].tolist() == ["duplicate_row"]
    assert _bronze(layout, "events", NIGHTS[1])["source_record_id"].tolist() == ["E7"]
