"""A user's own file for `customer360 link`, read the way ingest reads a landing file: encoding and delimiter
detected (GBK/GB18030, Big5, UTF-16, BOMs…), CSV/TSV/XLSX/JSON lines, headers matched tolerantly against the
contact columns and every shipped contact mapping (config/vendors: `First Name`, `手机`, `客户名称`…).
Headers that match nothing are reported, never silently dropped."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from assets.entities import ENTITIES
from assets.ingest.config import SourceConfig, header_key
from assets.ingest.ingest import map_columns
from assets.ingest.readers import FileInfo, RowError, read_file
from assets.link.io import INPUT_ALIASES

FORMATS = {".csv": "csv", ".txt": "csv", ".tsv": "tsv", ".xlsx": "xlsx", ".jsonl": "jsonl", ".json": "json"}
# columns build_person_records reads (the rest of the contact entity is not used for linkage)
LINKED_COLUMNS = (
    "source", "source_record_id", "full_name", "given_name", "family_name", "email", "email_secondary",
    "phone_mobile", "phone_office", "phone_home", "phone_other", "wechat_id", "birth_date", "gender",
    "country", "province", "city", "district", "address", "postcode", "company", "title", "updated_at",
)  # fmt: skip


@dataclass
class UserFile:
    frame: pd.DataFrame  # canonical contact columns, string cells
    encoding: str
    mapped: dict[str, str]  # file header -> canonical column
    unmapped: list[str] = field(default_factory=list)
    bad_rows: list[RowError] = field(default_factory=list)


def file_format(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes if s.lower() != ".gz"]
    fmt = FORMATS.get(suffixes[-1] if suffixes else "")
    if fmt is None:
        raise ValueError(f"{path.name}: expected .csv, .tsv, .txt, .xlsx, .jsonl or .json (optionally .gz)")
    return fmt


def contact_header_map(config_dir: Path) -> dict[str, str]:
    """Header → contact column: the short names a hand-made file tends to use (`phone` is a mobile, `id` the
    record id), then every shipped contact mapping (the first mapping of a header wins)."""
    columns: dict[str, str] = {}
    known: set[str] = set()

    def add(header: str, column: str) -> None:
        if header_key(header) not in known and set(column.split("|")) <= set(
            ENTITIES["contact"].column_names
        ):
            known.add(header_key(header))
            columns[header] = column

    for alias, column in INPUT_ALIASES.items():
        add(alias, column)
    for path in sorted((config_dir / "vendors").glob("*.yaml")):
        spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if spec.get("entity") == "contact":
            for header, column in (spec.get("columns") or {}).items():
                add(header, column)
    return columns


def user_file_config(path: Path, config_dir: Path) -> SourceConfig:
    return SourceConfig(
        name="user_file", entity="contact", glob=path.name, format=file_format(path),
        columns=contact_header_map(config_dir),
    )  # fmt: skip


def read_user_file(path: Path, config_dir: Path) -> UserFile:
    """Every row of `path` under canonical contact column names; what was mapped and what was not."""
    cfg = user_file_config(path, config_dir)
    info = FileInfo()
    tables, bad_rows = [], []
    for batch in read_file(path, cfg, info):
        tables.append(batch.table.to_pandas())
        bad_rows += batch.errors
    frame = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=info.headers)
    mapping, unmapped = map_columns(list(frame.columns), cfg)
    for header in [h for h in unmapped if header_key(h) == "source"]:  # several sources in one file
        mapping[header] = "source"
        unmapped.remove(header)
    frame = frame[list(mapping)].rename(columns=mapping)
    return UserFile(frame=frame, encoding=info.encoding, mapped=mapping, unmapped=unmapped, bad_rows=bad_rows)


def accepted_columns_help(config_dir: Path) -> str:
    """The columns `customer360 link` reads, for its --help: canonical names and the vendor headers it knows."""
    by_column: dict[str, list[str]] = {}
    for header, targets in contact_header_map(config_dir).items():
        column = targets.split("|")[0]
        if column in LINKED_COLUMNS and header != column:
            by_column.setdefault(column, []).append(header)
    parts = [
        f"{column} ({', '.join(by_column[column][:4])})" if column in by_column else column
        for column in LINKED_COLUMNS
    ]
    return (
        "Columns read (any subset; header case, spaces and full-width forms ignored): "
        + "; ".join(parts)
        + "."
    )
