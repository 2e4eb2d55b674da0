"""One test per kind of hostile input: exact valid/quarantined counts and error text."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from assets.entities import ENTITIES, LINEAGE_COLUMNS
from assets.ingest.config import SourceConfig, SourcesConfig
from assets.ingest.ingest import ingest_source, pending_files, read_raw
from assets.ingest.manifest import read_manifest
from assets.layout import DataLayout
from assets.validate import validate_partition

DAY = "2026-03-01"
CONTACT_COLUMNS = {
    "ID": "source_record_id",
    "Name": "full_name",
    "Phone": "phone_mobile",
    "Born": "birth_date",
}


def contact_source(**kw) -> SourceConfig:
    base = dict(
        name="crm", entity="contact", glob="crm/*", columns=CONTACT_COLUMNS, primary_key=["source_record_id"],
        date_formats=["%Y-%m-%d"],
    )  # fmt: skip
    return SourceConfig(**(base | kw))


@pytest.fixture
def layout(tmp_path: Path) -> DataLayout:
    (tmp_path / "landing" / "crm").mkdir(parents=True)
    return DataLayout(root=tmp_path, landing=str(tmp_path / "landing"), config_dir=tmp_path)


def land(layout: DataLayout, name: str, data: bytes) -> None:
    path = Path(layout.landing) / "crm" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def run(layout: DataLayout, cfg: SourceConfig):
    ingested = ingest_source(cfg, layout, DAY)
    validated = validate_partition(cfg, layout, DAY)
    files = sorted(layout.quarantine(cfg.name, DAY).glob("*.parquet"))
    quarantine = pd.concat([pd.read_parquet(p) for p in files]) if files else None
    return ingested, validated, quarantine


def raw_rows(ingested) -> pd.DataFrame:
    return pd.concat([read_raw(f.raw_path) for f in ingested.files if f.raw_path], ignore_index=True)


CSV = "ID,Name,Phone,Born\n007,张伟,013800138000,1990-01-02\n008,李娜,NA,1990-02-30\n009,Null,=1+1,\n"


def test_gbk_export_decodes_and_keeps_values_verbatim(layout):
    land(layout, "gbk.csv", CSV.encode("gbk"))
    ingested, validated, q = run(layout, contact_source())
    assert ingested.files[0].encoding == "gb18030"
    raw = raw_rows(ingested)
    assert raw["source_record_id"].tolist() == ["007", "008", "009"]
    assert raw["full_name"].tolist() == ["张伟", "李娜", "Null"]
    assert raw["phone_mobile"].tolist() == ["013800138000", "NA", "=1+1"]
    assert raw["_line"].tolist() == [2, 3, 4]
    assert (validated.total("rows_valid"), validated.total("rows_quarantined")) == (2, 1)
    assert q[["line", "column", "check", "raw_value"]].values.tolist() == [
        [3, "birth_date", "parseable_date", "1990-02-30"]
    ]


def test_big5_and_latin1_exports(layout):
    land(layout, "big5.csv", "ID,Name,Phone,Born\n1,陳大文,98765432,1980-05-06\n".encode("big5"))
    land(layout, "latin1.csv", "ID;Name;Phone;Born\n2;José Müller;+49 151;1970-01-01\n".encode("latin-1"))
    ingested, validated, _ = run(layout, contact_source())
    assert sorted(f.encoding for f in ingested.files) == ["big5hkscs", "cp1252"]
    assert sorted(raw_rows(ingested)["full_name"]) == ["José Müller", "陳大文"]
    assert validated.total("rows_valid") == 2


@pytest.mark.parametrize("gz", [False, True])
def test_gbk_rows_after_a_long_ascii_start_are_detected(layout, gz):
    rows = "".join(f"{i},Smith,1380013{i:04d},1990-01-01\n" for i in range(12000))  # > 256 KB of ASCII
    data = ("ID,Name,Phone,Born\n" + rows + "99999,张伟,13800138000,1990-01-01\n").encode("gbk")
    land(layout, "late.csv.gz" if gz else "late.csv", gzip.compress(data) if gz else data)
    ingested, validated, _ = run(layout, contact_source())
    assert ingested.files[0].encoding == "gb18030"
    assert raw_rows(ingested)["full_name"].iloc[-1] == "张伟"
    assert validated.total("rows_valid") == 12001


def test_utf8_bom_header_matches(layout):
    land(layout, "bom.csv", ("\ufeff" + CSV).encode("utf-8"))
    ingested, validated, _ = run(layout, contact_source())
    assert ingested.files[0].encoding == "utf-8-sig"
    assert raw_rows(ingested)["source_record_id"].iloc[0] == "007"
    assert (validated.total("rows_valid"), validated.total("rows_quarantined")) == (2, 1)


def test_utf16_tab_separated_unicode_text(layout):
    land(layout, "unicode.txt", CSV.replace(",", "\t").replace("\n", "\r\n").encode("utf-16"))
    ingested, validated, _ = run(layout, contact_source(format="tsv"))
    assert ingested.files[0].encoding == "utf-16"
    assert raw_rows(ingested)["full_name"].tolist() == ["张伟", "李娜", "Null"]
    assert (validated.total("rows_valid"), validated.total("rows_quarantined")) == (2, 1)


def test_semicolon_csv_with_cr_line_endings(layout):
    land(layout, "euro.csv", CSV.replace(",", ";").replace("\n", "\r").encode("utf-8"))
    ingested, _, _ = run(layout, contact_source())
    raw = raw_rows(ingested)
    assert raw["phone_mobile"].tolist() == ["013800138000", "NA", "=1+1"]
    assert raw["_line"].tolist() == [2, 3, 4]


def test_qualtrics_extra_header_rows_and_multiline_comment(layout):
    text = (
        'ResponseId,RecordedDate,ExternalReference,Q1,Q2,Q3\r\n'
        '"Response ID","Recorded Date","External Data Reference","NPS (0-10)","CSAT (1-5)","Comment"\r\n'
        '"{""ImportId"":""_recordId""}","{""ImportId"":""recordedDate""}","{""ImportId"":""ext""}","{""ImportId"":""QID1""}","{""ImportId"":""QID2""}","{""ImportId"":""QID3""}"\r\n'
        'R_1,2026-02-01 10:00:00,M1,9,5,"great\r\nthanks"\r\n'
        'R_2,2026-02-01 11:00:00,M2,11,0,ok\r\n'
        'R_3,2026-02-01 12:00:00,M3,7,4,\r\n'
    )  # fmt: skip
    land(layout, "survey.csv", text.encode("utf-8-sig"))
    cfg = SourceConfig(
        name="crm", entity="survey_response", glob="crm/*", skip_rows_after_header=2, primary_key=["response_id"],
        columns={"ResponseId": "response_id", "RecordedDate": "submitted_at", "ExternalReference": "customer_ref",
                 "Q1": "nps_score", "Q2": "csat_score", "Q3": "comment"},
    )  # fmt: skip
    ingested, validated, q = run(layout, cfg)
    raw = raw_rows(ingested)
    assert raw["response_id"].tolist() == ["R_1", "R_2", "R_3"]
    assert raw["_line"].tolist() == [4, 6, 7]
    assert raw["comment"].iloc[0] == "great\r\nthanks"
    assert (validated.total("rows_valid"), validated.total("rows_quarantined")) == (2, 1)
    assert sorted(q["check"]) == ["between_0_10", "between_1_5"]
    assert set(q["line"]) == {6}


def test_broken_json_line_is_quarantined_with_its_text(layout):
    lines = [json.dumps({"id": "E1", "name": "张伟", "score": 0.5}), '{"id": "E2", "name": "cut', "",
             json.dumps({"id": "E3", "name": None, "phone": "0086138"})]  # fmt: skip
    land(layout, "feed.jsonl", ("\n".join(lines) + "\n").encode())
    cfg = SourceConfig(name="crm", entity="enrichment", glob="crm/*", format="jsonl",
                       columns={"id": "source_record_id", "name": "full_name", "phone": "phone_mobile"})  # fmt: skip
    ingested, validated, q = run(layout, cfg)
    raw = raw_rows(ingested)
    assert raw["_line"].tolist() == [1, 2, 4]
    assert raw["_extra"].iloc[0] == '{"score":0.5}'  # a JSON number stays a number
    assert (validated.total("rows_valid"), validated.total("rows_quarantined")) == (2, 1)
    assert q["line"].tolist() == [2]
    assert q["reason"].iloc[0].startswith("invalid JSON: Unterminated string")
    assert q["raw_value"].iloc[0] == '{"id": "E2", "name": "cut'


def test_json_array_export_streams_records_and_sets_aside_non_objects(layout, monkeypatch):
    from assets.ingest import json_array, readers

    monkeypatch.setattr(json_array, "CHUNK_CHARS", 16)  # records cut by every buffer boundary
    monkeypatch.setattr(readers, "BATCH_ROWS", 2)  # and several batches
    doc = ('{"meta": {"exported": "2026-03-01"}, "records": [{"id": "J1", "name": "张伟", "score": 12.50},\n'
           ' "not a record", {"id": "J2", "name": "Kevin Zhang"}, {"id": "J3", "name": null, "phone": "+86 138"}]}')  # fmt: skip
    land(layout, "export.json", doc.encode("gbk"))
    land(layout, "broken.json", b'{"records": [{"id": "J9"}, {"id": ')
    cfg = SourceConfig(name="crm", entity="enrichment", glob="crm/*", format="json",
                       columns={"id": "source_record_id", "name": "full_name", "phone": "phone_mobile"})  # fmt: skip
    ingested, validated, q = run(layout, cfg)
    by_name = {Path(f.key).name: f for f in ingested.files}
    assert by_name["broken.json"].status == "failed"
    assert by_name["broken.json"].error.startswith("invalid JSON")
    raw = raw_rows(ingested)
    assert raw["_line"].tolist() == [1, 2, 3, 4]  # the non-object is kept raw, then quarantined
    assert raw["full_name"].tolist()[::2] == ["张伟", "Kevin Zhang"]
    assert raw["_extra"].iloc[0] == '{"score":12.50}'  # numbers stay numbers and keep their digits
    assert (validated.total("rows_valid"), validated.total("rows_quarantined")) == (3, 1)
    assert q["line"].tolist() == [2] and q["reason"].iloc[0] == "JSON str, expected an object"


def test_multi_sheet_xlsx_with_serial_dates(layout):
    wb = openpyxl.Workbook()
    wb.active.title = "Notes"
    wb.active.append(["not the data"])
    ws = wb.create_sheet("Orders")
    ws.append(["order_id", "order_date", "amount", "customer_ref"])
    ws.append(["SO1", 45658, 12.5, "00042"])  # 45658 = 2025-01-01 as a plain number
    ws.append(["SO2", "2025/01/02", "abc", "00043"])
    ws.append([None, None, None, None])
    ws.append(["SO3", "31/31/2025", 3, "00044"])
    wb.save(Path(layout.landing) / "crm" / "orders.xlsx")
    cfg = SourceConfig(name="crm", entity="order", glob="crm/*.xlsx", format="xlsx", sheet="Orders",
                       primary_key=["order_id"], date_formats=["%Y/%m/%d"],
                       columns={"order_id": "order_id", "order_date": "order_date", "amount": "amount",
                                "customer_ref": "customer_ref"})  # fmt: skip
    ingested, validated, q = run(layout, cfg)
    raw = raw_rows(ingested)
    assert raw["order_date"].tolist() == ["45658", "2025/01/02", "31/31/2025"]
    assert raw["customer_ref"].tolist() == ["00042", "00043", "00044"]
    assert raw["_line"].tolist() == [2, 3, 5]
    assert (validated.total("rows_valid"), validated.total("rows_quarantined")) == (1, 2)
    assert q[["line", "check"]].values.tolist() == [[3, "numeric"], [5, "parseable_date"]]


def test_same_bytes_under_another_name_load_once(layout):
    land(layout, "a.csv", CSV.encode())
    land(layout, "copy_of_a.csv", CSV.encode())
    ingested, validated, _ = run(layout, contact_source())
    assert [f.status for f in ingested.files] == ["loaded", "duplicate"]
    assert ingested.files[1].error == "same bytes as crm/a.csv"
    assert validated.total("rows_in") == 3
    again = ingest_source(contact_source(), layout, DAY)
    assert again.files == []  # settled files are not pending any more
    assert pending_files(layout, SourcesConfig(sources=[contact_source()]), DAY) == []


def test_redelivery_on_a_later_day_under_a_new_name_is_a_duplicate(layout):
    land(layout, "2026-02-28/contacts.csv", CSV.encode())
    cfg = contact_source(glob="crm/**/*.csv")
    assert [f.status for f in ingest_source(cfg, layout, "2026-02-28").files] == ["loaded"]
    land(layout, f"{DAY}/contacts (1).csv", CSV.encode())
    again = ingest_source(cfg, layout, DAY).files
    assert [(f.status, f.error) for f in again] == [
        ("duplicate", "same bytes as crm/2026-02-28/contacts.csv")
    ]
    assert not layout.raw("crm", DAY).exists()


def test_renamed_required_column_fails_that_file_only(layout):
    land(layout, "good.csv", CSV.encode())
    land(layout, "renamed.csv", CSV.replace("ID,", "Contact Key,").encode())
    ingested, validated, _ = run(layout, contact_source())
    status = {f.key: (f.status, f.error) for f in ingested.files}
    assert status["crm/good.csv"][0] == "loaded"
    assert status["crm/renamed.csv"] == (
        "failed",
        "schema drift in crm/renamed.csv: required column source_record_id (header 'ID') not found; "
        "unmapped headers: 'Contact Key' — map the new header in sources.yaml sources[crm].columns",
    )
    assert validated.total("rows_in") == 3
    manifest = read_manifest(layout)
    assert manifest.set_index("key").loc["crm/renamed.csv", "status"] == "failed"


def test_custom_fields_are_kept_in_extra(layout):
    land(layout, "custom.csv", "id, NAME ,VIP Level,微信号\n1,Amy,Gold,wx_amy\n".encode())
    ingested, validated, _ = run(
        layout, contact_source(columns={"ID": "source_record_id", "Name": "full_name"})
    )
    raw = raw_rows(ingested)
    assert validated.total("rows_valid") == 1
    assert raw["full_name"].tolist() == ["Amy"]
    assert json.loads(raw["_extra"].iloc[0]) == {"VIP Level": "Gold", "微信号": "wx_amy"}
    assert read_manifest(layout)["error"].iloc[0] == "unmapped headers kept in _extra: VIP Level, 微信号"


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        (
            "binary.csv",
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01",
            "binary content (NUL bytes), not a text export",
        ),
        ("cut.csv.gz", gzip.compress(CSV.encode() * 50)[:60], "corrupt or truncated gzip"),
        ("empty.csv", b"", "empty file: no header row"),
    ],
)
def test_unreadable_file_is_failed_with_reason_and_run_goes_on(layout, name, data, reason):
    land(layout, name, data)
    land(layout, "good.csv", CSV.encode())
    ingested, validated, _ = run(layout, contact_source())
    failed = [f for f in ingested.files if f.status == "failed"]
    assert len(failed) == 1 and failed[0].error.startswith(reason)
    assert "\n" not in failed[0].error
    assert validated.total("rows_in") == 3


@pytest.mark.parametrize(
    ("data", "detail"),
    [
        (b"PK\x03\x04" + b"\x00" * 40, "BadZipFile"),  # a cut download
        (bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 600, "Excel 97-2003 .xls workbook"),  # renamed .xls
    ],
)
def test_unreadable_workbook_fails_cleanly(layout, data, detail):
    land(layout, "broken.xlsx", data)
    cfg = contact_source(format="xlsx", glob="crm/*.xlsx")
    ingested, _, _ = run(layout, cfg)
    assert ingested.files[0].status == "failed"
    assert detail in ingested.files[0].error


def test_gzip_csv_is_streamed_and_ragged_rows_quarantined(layout):
    body = "ID,Name,Phone,Born\n" + "".join(f"{i},n{i},1{i:010d},1990-01-01\n" for i in range(5000))
    body += '9999,"multi\nline",1,1990-01-01\n10000,too,many,fields,here\n10001,last,1,1990-01-01\n'
    land(layout, "big.csv.gz", gzip.compress(body.encode()))
    ingested, validated, q = run(layout, contact_source())
    raw = raw_rows(ingested)
    assert len(raw) == 5003
    assert raw["_line"].iloc[-1] == 5005  # the multi-line record pushed the last row one line down
    assert (validated.total("rows_valid"), validated.total("rows_quarantined")) == (5002, 1)
    assert q[["line", "check", "reason", "raw_value"]].values.tolist() == [
        [5004, "parseable_row", "expected 4 fields, found 5", "10000,too,many,fields,here"]
    ]


def test_dated_folders_are_ingested_by_their_partition_only(layout):
    land(layout, "2026-02-28/a.csv", CSV.encode())
    land(layout, f"{DAY}/b.csv", CSV.replace("007", "017").encode())
    cfg = contact_source(glob="crm/**/*.csv")
    ingested = ingest_source(cfg, layout, DAY)
    assert [f.key for f in ingested.files] == [f"crm/{DAY}/b.csv"]
    assert [f.key for f in ingest_source(cfg, layout, "2026-02-28").files] == ["crm/2026-02-28/a.csv"]


@pytest.mark.parametrize("gz", [False, True])
def test_export_truncated_inside_quotes_does_not_merge_rows(layout, gz):
    data = b'ID,Name,Phone,Born\n1,Amy,1,1990-01-01\n2,"Bob\n3,Cy,3,1990-01-01\n'
    land(layout, "cut.csv.gz" if gz else "cut.csv", gzip.compress(data) if gz else data)
    _ingested, validated, q = run(layout, contact_source())
    assert (validated.total("rows_valid"), validated.total("rows_quarantined")) == (1, 1)
    assert q[["line", "check", "reason", "raw_value"]].values.tolist() == [
        [
            3,
            "parseable_row",
            "unterminated quoted field at end of file (truncated export?)",
            '2,"Bob\n3,Cy,3,1990-01-01',
        ]
    ]


def test_header_only_and_repeated_or_blank_headers(layout):
    land(layout, "empty_body.csv", b"ID,Name\r\n")
    land(layout, "dups.csv", b"ID,Name,Name,\n1,A,B,C\n")
    ingested, _validated, _ = run(layout, contact_source())
    assert [(f.key, f.status, f.rows_read) for f in ingested.files] == [
        ("crm/dups.csv", "loaded", 1),
        ("crm/empty_body.csv", "loaded", 0),
    ]
    assert json.loads(raw_rows(ingested)["_extra"].iloc[0]) == {"Name (2)": "B", "column 4": "C"}
    manifest = read_manifest(layout).set_index("key")
    assert manifest.loc["crm/empty_body.csv", "rows_valid"] == 0  # validated, not left unknown


def test_raw_rows_follow_the_layer_contract(layout):
    land(layout, "a.csv", CSV.encode())
    ingested = ingest_source(contact_source(), layout, DAY)
    path = ingested.files[0].raw_path
    assert path == layout.raw("crm", DAY) / f"{ingested.files[0].sha256[:16]}.parquet"
    raw = read_raw(path)
    assert list(raw.columns) == [*ENTITIES["contact"].column_names, *LINEAGE_COLUMNS]
    row = raw.iloc[0]
    assert (row["_source"], row["_file"], row["_run_date"], row["_file_sha256"]) == (
        "crm", "crm/a.csv", DAY, ingested.files[0].sha256,
    )  # fmt: skip
    assert str(raw["_loaded_at"].dtype) == "datetime64[us, UTC]"
    assert raw["email"].isna().all()  # a column the file does not have is null, not ""


def test_many_small_batches_keep_lines_order_extra_and_counts(layout, monkeypatch):
    """Blocks, prefetch, coalescing and validation batches are invisible in the result: every row keeps its
    physical line, file order and `_extra`; duplicate keys are found across batches."""
    from assets.ingest import batching, readers
    from assets.validate import validate as validate_module

    monkeypatch.setattr(readers, "CSV_BLOCK_BYTES", 1 << 10)
    monkeypatch.setattr(batching, "MAX_ROWS", 70)
    monkeypatch.setattr(validate_module, "READ_ROWS", 16)
    lines, expected, line = ["ID,Name,Phone,Born,Tier"], [], 2
    for i in range(600):
        if i % 97 == 5:
            lines.append(f"{i},ragged,1,1990-01-01,x,y")
            expected.append((line, None, None))
        elif i % 53 == 7:
            lines.append(f'{i},"two\nlines",1,1990-01-01,"Gold, ""VIP"""')
            expected.append((line, f"{i}", 'Gold, "VIP"'))
            line += 1
        else:
            key = "K7" if i in (100, 500) else f"{i}"  # one key repeated far apart
            lines.append(f"{key},n{i},1,1990-01-01,T{i % 3}")
            expected.append((line, key, f"T{i % 3}"))
        line += 1
    land(layout, "many.csv", ("\n".join(lines) + "\n").encode())
    ingested, validated, q = run(layout, contact_source())
    raw = raw_rows(ingested)
    extra = [json.loads(e) for e in raw["_extra"]]
    got = [
        (ln, rid if isinstance(rid, str) else None, x.get("Tier"))
        for ln, rid, x in zip(raw["_line"], raw["source_record_id"], extra, strict=True)
    ]
    assert got == [(ln, rid, tier) for ln, rid, tier in expected]
    ragged = sum(rid is None for _, rid, _ in expected)
    assert (validated.total("rows_in"), validated.total("rows_quarantined")) == (600, ragged + 2)
    dup_lines = [ln for ln, rid, _ in expected if rid == "K7"]
    assert len(dup_lines) == 2 and dup_lines[1] - dup_lines[0] > 300
    assert sorted(q.loc[q["check"] == "primary_key_unique", "line"]) == dup_lines


def test_nested_json_fields_map_by_their_dotted_paths(layout):
    """Enrichment feeds nest what a CRM export keeps flat (`profile.birthday`, `contacts.mobile`, a list of
    e-mails): their leaves map by dotted path; the objects stay whole in `_extra`, with no leaf twice."""
    records = [
        {"id": "E1", "profile": {"name": "张伟", "birthday": "1985-04-12", "geo": {"city": "上海"}},
         "contacts": {"mobile": 13800138000, "emails": ["zw@a.com", "wei.zhang@b.cn"], "wechat": "wx_zw"},
         "score": 7},
        {"id": "E2", "profile": {"name": "李娜"}, "contacts": None, "profile.name": "Li Na"},
        {"id": "E3", "profile": "no object here", "contacts": {"mobile": "+86 139 0013 9000", "emails": []}},
    ]  # fmt: skip
    land(layout, "feed.jsonl", "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode())
    columns = {"id": "source_record_id", "profile.name": "full_name", "Profile Birthday": "birth_date",
               "profile.geo.city": "city", "contacts.mobile": "phone_mobile", "contacts.emails": "email",
               "contacts.wechat": "wechat_id"}  # fmt: skip
    cfg = SourceConfig(name="crm", entity="enrichment", glob="crm/*", format="jsonl", columns=columns)
    ingested, validated, _ = run(layout, cfg)
    raw = raw_rows(ingested)
    values = {c: [None if pd.isna(v) else v for v in raw[c]] for c in raw.columns}
    assert values["full_name"] == ["张伟", "Li Na", None]  # a key spelled like a path: its own value
    assert values["birth_date"] == ["1985-04-12", None, None]  # headers match as loosely as CSV's
    assert values["city"] == ["上海", None, None]
    assert values["phone_mobile"] == ["13800138000", None, "+86 139 0013 9000"]
    assert values["email"] == ["zw@a.com; wei.zhang@b.cn", None, None]  # several values, as a cell holds them
    assert values["wechat_id"] == ["wx_zw", None, None]
    assert json.loads(raw["_extra"].iloc[0]) == {k: v for k, v in records[0].items() if k != "id"}
    assert json.loads(raw["_extra"].iloc[2]) == {
        "profile": "no object here",
        "contacts": records[2]["contacts"],
        "score": None,
    }
    assert (
        read_manifest(layout)["error"].iloc[0] == "unmapped headers kept in _extra: profile, contacts, score"
    )
    assert (validated.total("rows_valid"), validated.total("rows_quarantined")) == (3, 0)


def test_an_enrichment_feeds_other_mailboxes_reach_its_person_record(layout):
    """A feed's other e-mails (a list: work, old mailboxes) map to email_secondary, and the person record holds
    every mailbox the row gives (an enrichment source could map one e-mail only)."""
    from linkage.records import build_person_records

    record = {"id": "E1", "name": "张伟", "email": "zw@a.com",
              "contacts": {"other_emails": ["wei.zhang@b.cn", "wzhang@corp.cn"]}}  # fmt: skip
    land(layout, "feed.jsonl", (json.dumps(record, ensure_ascii=False) + "\n").encode())
    columns = {
        "id": "source_record_id",
        "name": "full_name",
        "email": "email",
        "contacts.other_emails": "email_secondary",
    }
    cfg = SourceConfig(name="crm", entity="enrichment", glob="crm/*", format="jsonl", columns=columns)
    ingested, validated, _ = run(layout, cfg)
    assert (validated.total("rows_valid"), validated.total("rows_quarantined")) == (1, 0)
    raw = raw_rows(ingested)
    assert raw["email_secondary"].tolist() == ["wei.zhang@b.cn; wzhang@corp.cn"]
    persons = build_person_records(raw, "enrichment", "crm")
    assert sorted(persons["emails"].iloc[0]) == ["wei.zhang@b.cn", "wzhang@corp.cn", "zw@a.com"]
