"""Bronze → silver: one typed table per entity, normalised values beside the raw ones."""

from __future__ import annotations

import pandas as pd

from assets.entities import LINEAGE_COLUMNS, Entity
from linkage.records import person_keys, row_regions
from linkage.standardise import normalise_email, normalise_phone
from linkage.standardise.dates import parse_datetimes, to_integer, to_number

# Suffix of the typed column written beside each raw canonical column, by column kind.
TYPED_SUFFIX = {"date": "_date", "datetime": "_ts", "number": "_num", "integer": "_int"}
PERSON_KEY = "person_source_record_id"


def conform(frame: pd.DataFrame, entity: Entity) -> pd.DataFrame:
    """Every canonical and lineage column present (missing ones empty), raw values as strings."""
    out = frame.copy()
    for name in (*entity.column_names, *LINEAGE_COLUMNS):
        if name not in out.columns:
            out[name] = pd.NA
    return out


def standardise(
    frame: pd.DataFrame,
    entity: Entity,
    date_formats: list[str] | None = None,
    phone_region: str = "CN",
    excel_serials: bool = True,
    values: dict[str, dict[str, str]] | None = None,
) -> pd.DataFrame:
    """Add typed and normalised columns to one source's bronze rows; raw columns stay verbatim, except codes
    the source's `values:` names, which become their value (case and surrounding blanks do not matter)."""
    out = conform(frame, entity)
    for column, codes in (values or {}).items():
        out[column] = recode(out[column], codes)
    for column in entity.columns:
        suffix = TYPED_SUFFIX.get(column.kind)
        if suffix is None:
            continue
        raw = out[column.name]
        if column.kind in ("date", "datetime"):
            parsed = parse_datetimes(raw, date_formats or [], excel_serials)
            out[column.name + suffix] = parsed.dt.normalize() if column.kind == "date" else parsed
        elif column.kind == "number":
            out[column.name + suffix] = to_number(raw)
        else:
            out[column.name + suffix] = to_integer(raw)
    out["email_norm"] = normalise_email(out["email"]) if "email" in out else pd.NA
    out["phone_norm"] = (
        normalise_phone(out["phone_mobile"], row_regions(out, phone_region))
        if "phone_mobile" in out
        else pd.NA
    )
    out["source"] = out["_source"]
    out[PERSON_KEY] = person_keys(out, entity.name)
    return out


def recode(column: pd.Series, codes: dict[str, str]) -> pd.Series:
    """`column` with each value found in `codes` (matched trimmed and case-folded) replaced by its value."""
    folded = {str(k).strip().casefold(): v for k, v in codes.items()}
    found = column.astype("string").str.strip().str.casefold().map(folded)
    return column.where(found.isna(), found)


def empty_silver(entity: Entity) -> pd.DataFrame:
    """A zero-row silver table with the full schema, so downstream readers always find one."""
    frame = pd.DataFrame(
        {name: pd.Series(dtype="string") for name in (*entity.column_names, *LINEAGE_COLUMNS)}
    )
    frame["_line"] = frame["_line"].astype("Int64")
    return standardise(frame, entity)
