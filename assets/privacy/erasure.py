"""Right to be forgotten: record a request (hashed identifiers only), and apply it on the next run everywhere
customer360 keeps data — raw/bronze/quarantine/silver Parquet, linkage tables, the warehouse (marts and
snapshots) and every delivered target — then keep tombstones so a re-delivered old file cannot bring the
person back, and write an audit entry.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from assets.entities import Pii
from assets.folder_lock import folder_lock
from assets.layout import DataLayout
from assets.parquet_files import read_parquet, write_parquet_atomic
from assets.privacy.audit import current_actor, record_event
from assets.privacy.encryption import compact_warehouse, connect_warehouse
from assets.privacy.identifiers import canonical_identifier, digest, hash_scheme
from assets.privacy.matching import (
    CUSTOMER_ID,
    EMAIL,
    PHONE,
    SOURCE_KEY_COLUMNS,
    SOURCE_RECORD,
    ErasureMatcher,
    source_record_key,
)
from assets.privacy.rewrite import data_files, erase_from_zone_file, matched_rows
from assets.privacy.tombstones import add_tombstones, erasure_key, tombstone_matcher
from assets.temp_area import sweep_temp

REQUEST_COLUMNS = [
    "request_id", "requested_at", "requested_by", "email_hash", "phone_hash", "customer_id_hash",
    "scheme", "status", "applied_at",
]  # fmt: skip

# Parquet layers Python owns, in the order they are cleaned (linkage includes linkage/history, the check
# baselines). Raw comes last: until it is clean, a retry after a crash finds the person again from it.
LAYERS = ("quarantine", "linkage", "silver", "bronze", "raw")
MAX_PASSES = 3  # erasure passes before giving up; the last must find nothing (the verification pass)
REPORT_FILES = "reports (files)"  # a count of deleted files, not rows


@dataclass
class ErasureReport:
    requests: list[str] = field(default_factory=list)
    # place (layer, warehouse table, target) → rows; REPORT_FILES → deleted report files
    removed: dict[str, int] = field(default_factory=dict)
    customer_ids: int = 0
    source_records: int = 0
    tombstones_added: int = 0

    @property
    def total(self) -> int:
        """Rows removed (deleted report files are not rows)."""
        return sum(n for place, n in self.removed.items() if place != REPORT_FILES)


@contextmanager
def erasure_lock(layout: DataLayout) -> Iterator[None]:
    """Serialise writers of the erasure state (CLI requests vs the nightly apply) on this machine."""
    with folder_lock(layout.erasure_dir):
        yield


def requests_path(layout: DataLayout) -> Path:
    return layout.erasure_dir / "requests.parquet"


def read_requests(layout: DataLayout) -> pd.DataFrame:
    path = requests_path(layout)
    return read_parquet(path) if path.exists() else pd.DataFrame(columns=REQUEST_COLUMNS)


def _identifier_hash(value: str, tag: Pii, key: bytes | None) -> str:
    """Digest of a requested email/phone; refuses what linkage sees as malformed or a placeholder
    (test@test.com, 13800000000), which would erase every row carrying that placeholder."""
    canonical = canonical_identifier(value.strip(), tag)
    if canonical is None:
        raise ValueError(
            f"{tag.value} {value!r} is not a usable identifier (malformed or a placeholder); fix: give the "
            "person's real one, or use --customer-id"
        )
    return digest(canonical, key)


def record_erasure_request(
    layout: DataLayout,
    email: str | None = None,
    phone: str | None = None,
    customer_id: str | None = None,
    requested_by: str | None = None,
) -> str:
    """Record a request to forget a person; returns its id. Only digests are stored, and tombstones are written
    at once, so ingestion drops the person's identifiers even before the next run applies the erasure."""
    if not any(v and v.strip() for v in (email, phone, customer_id)):
        raise ValueError("an erasure request needs --email, --phone or --customer-id")
    key = erasure_key(layout)
    request_id = uuid.uuid4().hex[:16]
    row = {
        "request_id": request_id,
        "requested_at": datetime.now(UTC),
        "requested_by": requested_by or current_actor(),
        "email_hash": _identifier_hash(email, Pii.EMAIL, key) if email else None,
        "phone_hash": _identifier_hash(phone, Pii.PHONE, key) if phone else None,
        "customer_id_hash": digest(customer_id.strip(), key) if customer_id else None,
        "scheme": hash_scheme(key),
        "status": "pending",
        "applied_at": pd.NaT,
    }
    _store_request(layout, row)
    try:  # beside the backups too, so a restore from an older backup re-applies it
        from assets.backup.journal import journal_request

        journal_request(layout, row)
        journaled = "yes"
    except Exception as exc:  # the request itself is recorded; say what the journal missed
        journaled = f"failed: {exc.__class__.__name__}: {exc}"
    record_event(layout, "erasure_request", request_id, actor=row["requested_by"], details={
        "identifiers": [k for k, v in (("email", email), ("phone", phone), ("customer_id", customer_id)) if v],
        "journal": journaled,
    })  # fmt: skip
    return request_id


def _store_request(layout: DataLayout, row: dict) -> None:
    """Append one pending request and write its tombstones (ingestion drops the person from then on)."""
    with erasure_lock(layout):
        add_tombstones(
            layout,
            row["request_id"],
            {
                EMAIL: {row.get("email_hash")} - {None},
                PHONE: {row.get("phone_hash")} - {None},
                CUSTOMER_ID: {row.get("customer_id_hash")} - {None},
            },
        )
        old = read_requests(layout)
        new = pd.DataFrame([row], columns=REQUEST_COLUMNS)
        write_parquet_atomic(
            pd.concat([old, new], ignore_index=True) if len(old) else new, requests_path(layout)
        )


def reinstate_request(layout: DataLayout, record: dict) -> None:
    """A journaled request missing from a restored data dir, pending again (applied by the next apply)."""
    row = {c: record.get(c) for c in REQUEST_COLUMNS} | {"status": "pending", "applied_at": pd.NaT}
    row["requested_at"] = pd.Timestamp(record["requested_at"])
    _store_request(layout, row)


def _layer_root(layout: DataLayout, layer: str) -> Path:
    return layout.linkage_dir if layer == "linkage" else layout.root / layer


def _linked_people(layout: DataLayout, matcher: ErasureMatcher) -> ErasureMatcher:
    """Widen the matcher from identifiers to whole people: every source record that matches, every customer_id
    those records were linked to, and every source record of those customers (the person's other records)."""
    key = matcher.key
    records: set[str] = set()
    for layer in ("raw", "bronze", "silver"):
        for path in data_files(_layer_root(layout, layer)):
            hit = matched_rows(path, matcher)
            for source_col, id_col in SOURCE_KEY_COLUMNS:
                if {source_col, id_col} <= set(hit.columns):
                    records |= {
                        source_record_key(s, i)
                        for s, i in zip(hit[source_col], hit[id_col], strict=True)
                        if i
                    }
    matcher = matcher.extended(SOURCE_RECORD, {digest(r, key) for r in records})
    xref_path = layout.linkage_dir / "customer_xref.parquet"
    if xref_path.exists():
        xref = read_parquet(xref_path).dropna(
            subset=["customer_id"]
        )  # unlinked records: no customer to widen to
        linked = xref.loc[matcher.match(xref), "customer_id"].astype(str)
        wanted = set(matcher.hashes[CUSTOMER_ID]) | {digest(c, key) for c in linked}
        people = xref.loc[xref["customer_id"].astype(str).map(lambda c: digest(c, key) in wanted)]
        matcher = matcher.extended(CUSTOMER_ID, {digest(c, key) for c in people["customer_id"].astype(str)})
        matcher = matcher.extended(
            SOURCE_RECORD,
            {
                digest(source_record_key(s, i), key)
                for s, i in zip(people["source"], people["source_record_id"], strict=True)
            },
        )
    return matcher


def _with_raw_lines(layout: DataLayout, matcher: ErasureMatcher) -> ErasureMatcher:
    """Add the (file, line) of the person's raw rows: their quarantine rows are found by them."""
    lines: set[tuple[str, int]] = set()
    for path in data_files(_layer_root(layout, "raw")):
        hit = matched_rows(path, matcher)
        if {"_file", "_line"} <= set(hit.columns):
            lines |= {(str(f), int(n)) for f, n in zip(hit["_file"], hit["_line"], strict=True)}
    return matcher.extended(SOURCE_RECORD, file_lines=lines) if lines else matcher


def _erase_layers(layout: DataLayout, matcher: ErasureMatcher, report: ErasureReport) -> None:
    for layer in LAYERS:
        for path in data_files(_layer_root(layout, layer)):
            hit = erase_from_zone_file(path, matcher)
            report.removed[layer] = report.removed.get(layer, 0) + len(hit)


def _erase_warehouse(layout: DataLayout, matcher: ErasureMatcher, report: ErasureReport) -> None:
    """Delete from every base table (marts, snapshots, staging tables) of the warehouse. Run only while dbt is idle."""
    if not layout.warehouse.exists():
        return
    with connect_warehouse(layout.warehouse, read_only=False) as (con, catalog):
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_catalog = ? and table_type = 'BASE TABLE'",
            [catalog],
        ).fetchall()
        for schema, name in tables:
            columns = [r[0] for r in con.execute(f'describe "{catalog}"."{schema}"."{name}"').fetchall()]
            wanted = matcher.relevant_columns(columns)
            if not wanted:
                continue
            relation = f'"{catalog}"."{schema}"."{name}"'
            frame = con.execute(
                f"select rowid as _rowid, {', '.join(repr_ident(c) for c in wanted)} from {relation}"
            ).df()
            hit = matcher.match(frame[wanted])
            if hit.any():
                rowids = pd.DataFrame({"_rowid": frame.loc[hit, "_rowid"]})
                con.register("_erase_rowids", rowids)
                con.execute(f"delete from {relation} where rowid in (select _rowid from _erase_rowids)")
                con.unregister("_erase_rowids")
                report.removed[f"warehouse.{schema}.{name}"] = int(hit.sum())
        con.execute("CHECKPOINT")  # deleted rows leave the WAL and the table's storage now


def _erase_reports(layout: DataLayout, report: ErasureReport) -> None:
    """Delete the HTML run reports written before the erasure (their linkage examples name source records; they
    cannot be matched by digest). The run's `report/run_report` asset writes the current one again."""
    removed = [path for path in layout.reports.glob("*.html") if path.is_file()]
    for path in removed:
        path.unlink()
    if removed:
        report.removed[REPORT_FILES] = len(removed)


def repr_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _erasure_pass(layout: DataLayout, delivery_config, report: ErasureReport, request_ids: str) -> int:
    """One pass over every place: the person (tombstones widened to their records and customer ids) is
    removed from the zones, the temp area, the warehouse (rewritten: no freed blocks) and every enabled
    target. The widened digests become tombstones before anything is deleted, so a retry after a crash
    still finds the person's customer ids in what is left (delivered, masked exports). Returns rows removed."""
    matcher = _linked_people(layout, tombstone_matcher(layout))
    with erasure_lock(layout):
        report.tombstones_added += add_tombstones(
            layout,
            request_ids,
            {
                CUSTOMER_ID: set(matcher.hashes[CUSTOMER_ID]),
                SOURCE_RECORD: set(matcher.hashes[SOURCE_RECORD]),
            },
        )
    matcher = _with_raw_lines(layout, matcher)
    before = report.total
    sweep_temp(layout.root)  # staging copies of killed deliveries
    _erase_layers(layout, matcher, report)
    _erase_warehouse(layout, matcher, report)
    _erase_reports(layout, report)
    if delivery_config is not None:
        from assets.deliver.targets import publisher_for

        for target in delivery_config.targets:
            if target.enabled:
                place = f"delivery.{target.name}"
                report.removed[place] = report.removed.get(place, 0) + publisher_for(target, layout).erase(
                    matcher
                )
    return report.total - before


def apply_erasures(layout: DataLayout, delivery_config=None, run_id: str | None = None) -> ErasureReport:
    """Apply every pending request (and re-apply all tombstones) across all layers, the warehouse and the
    enabled delivery targets of `delivery_config` (a DeliveryConfig). Idempotent; cheap when nothing is pending."""
    requests = read_requests(layout)
    pending = requests.loc[requests["status"] == "pending"]
    report = ErasureReport(requests=pending["request_id"].tolist())
    if pending.empty:
        return report
    for attempt in range(1, MAX_PASSES + 1):
        removed = _erasure_pass(layout, delivery_config, report, ",".join(report.requests))
        if removed == 0:  # the verification pass: the person is found nowhere
            break
        if attempt == MAX_PASSES:
            raise RuntimeError(
                f"erasure {','.join(report.requests)} not verified: rows still found after {MAX_PASSES} passes "
                f"({removed} in the last); the requests stay pending for the next run"
            )
    if layout.warehouse.exists():  # freed blocks (deleted rows, tables dbt replaced) go with the old file
        compact_warehouse(layout.warehouse)
    matcher = tombstone_matcher(layout)
    report.customer_ids = len(matcher.hashes[CUSTOMER_ID])
    report.source_records = len(matcher.hashes[SOURCE_RECORD])
    with erasure_lock(layout):  # a request recorded meanwhile stays pending for the next run
        requests = read_requests(layout)
        done = requests["request_id"].isin(report.requests)
        requests["applied_at"] = pd.to_datetime(requests["applied_at"], utc=True)
        requests.loc[done, "status"] = "applied"
        requests.loc[done, "applied_at"] = datetime.now(UTC)
        write_parquet_atomic(requests, requests_path(layout))
    record_event(
        layout,
        "erasure",
        ",".join(report.requests),
        rows=report.total,
        run_id=run_id,
        details={
            "removed": report.removed,
            "customer_ids": report.customer_ids,
            "source_records": report.source_records,
        },
    )
    return report
