"""Person records: one row per (source, source_record_id), the unit linkage works on (docs/CONTRACTS.md)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from linkage.standardise import (
    has_han,
    normalise_address,
    normalise_birth_date,
    normalise_company,
    normalise_country,
    normalise_email,
    normalise_gender,
    normalise_name,
    normalise_phone,
    normalise_place,
    normalise_postcode,
    normalise_text,
    phone_type,
    pinyin_name,
    split_multi,
    split_names,
    whole_names,
)
from linkage.standardise.dates import parse_datetimes
from linkage.standardise.national_numbers import national_readings
from linkage.standardise.phone import PHONE_REGIONS
from linkage.standardise.places import country_in_text, country_of_place

PERSON_COLUMNS = [
    "source", "source_record_id", "entity", "full_name", "given_name", "family_name", "name_script",
    "name_pinyin", "emails", "phones", "phone_types", "birth_date", "gender", "country", "province", "city",
    "address_norm", "postcode", "company", "title", "wechat_id", "loaded_at",
]  # fmt: skip
EMAIL_COLUMNS = ("email", "email_secondary")
PHONE_COLUMNS = ("phone_mobile", "phone_office", "phone_home", "phone_other")
LANDLINE_COLUMNS = (PHONE_COLUMNS.index("phone_office"), PHONE_COLUMNS.index("phone_home"))
# Most recent first: the row's own update time, else the event time of orders/surveys/interactions/campaigns.
RECENCY_COLUMNS = ("updated_at", "created_at", "order_date", "submitted_at", "occurred_at", "joined_at")
RAW_COLUMNS = ("full_name", "given_name", "family_name", "email", "phone_mobile", "birth_date", "address")
# Entities whose rows are persons, keyed by their own source_record_id; every other entity (orders, survey
# responses, interactions, campaign members) names its person by customer_ref.
PERSON_ENTITIES = frozenset({"contact", "enrichment"})


def person_key_column(entity: str) -> str:
    return "source_record_id" if entity in PERSON_ENTITIES else "customer_ref"


def person_keys(frame: pd.DataFrame, entity: str) -> pd.Series:
    """The person's id inside the source (docs/CONTRACTS.md): own id, else customer_ref, else the row itself.

    A row that names no person (no customer_ref) is a person record of its own, keyed by where it was
    delivered, `r:<file>:<physical line>` (`r:<row>` without lineage columns): linkage decides whom it
    belongs to from what it carries. Rows are never pooled under a hash of their values, which would make
    one "person" of every row without a name, phone and e-mail, or of colleagues writing from info@.
    `frame` holds the key column of `entity` and, when present, the lineage columns _file and _line.
    """
    key = frame[person_key_column(entity)].astype("string").str.strip().replace("", pd.NA)
    missing = key.isna()
    if missing.any():
        rows = pd.Series(frame.index[missing].astype(str), index=frame.index[missing], dtype="string")
        where = rows
        if "_file" in frame and "_line" in frame:
            file = frame.loc[missing, "_file"].astype("string")
            line = frame.loc[missing, "_line"].astype("string")
            where = (file + ":" + line).fillna(rows)
        key.loc[missing] = "r:" + where
    return key


def own_regions(frame: pd.DataFrame) -> pd.Series:
    """Per row, the country the row itself says: its country column, else the country its address names,
    else the country of its city or province ('Hong Kong', 'London', '新加坡'); <NA> when it says none."""
    own = normalise_country(_col(frame, "country"))
    own = own.where(own.isin(PHONE_REGIONS))
    said = _col(frame, "address").map(country_in_text, na_action="ignore").astype("string")
    own = own.fillna(said.where(said.isin(PHONE_REGIONS)))
    for column in ("city", "province"):
        place = _col(frame, column).map(country_of_place, na_action="ignore").astype("string")
        own = own.fillna(place.where(place.isin(PHONE_REGIONS)))
    return own


def row_regions(frame: pd.DataFrame, default: str = "CN") -> pd.Series:
    """Per row, the country to read phone numbers without a country code in: the row's own (own_regions),
    else `default` (the source's phone_region). A US customer's '415-727-9325' in a Chinese CRM is a US
    number when the row says US."""
    return own_regions(frame).fillna(default.upper())


def _col(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame:
        return frame[name].astype("string")
    return pd.Series(pd.NA, index=frame.index, dtype="string")


def _raw_full_name(frame: pd.DataFrame) -> pd.Series:
    """full_name, else family+given (Hanzi, no space) or 'given family' (Latin)."""
    full = _col(frame, "full_name").str.strip().replace("", pd.NA)
    family = _col(frame, "family_name").str.strip().fillna("")
    given = _col(frame, "given_name").str.strip().fillna("")
    han = (family + given).map(has_han).astype(bool)
    composed = (family + given).where(han, (given + " " + family).str.strip())
    return full.fillna(composed.replace("", pd.NA))


def _names(frame: pd.DataFrame, stated: pd.Series) -> pd.DataFrame:
    """Family and given names: the source's own split wins over ours, except for a part it gives alone. A whole
    name typed into it ('李强婷' in Salesforce's required Last Name, 'Wei Zhang' in a first name) reads as a
    full-name column does; a family or given name alone ('王', '欧阳', 'Mary') takes no other part from our
    split of it (欧阳 + 阳) unless the row's full name gives one. A part that is there but reads as a
    placeholder (given name 'Na', 娜) still lets our split of the composed name fill it. `stated`: each row's own
    country (own_regions); a name in kanji in Japan reads Japanese (山田浩二 is 山田 + 浩二, parse_name)."""
    parts = ("family_name", "given_name")
    raw = pd.DataFrame({part: _col(frame, part).str.strip().replace("", pd.NA) for part in parts})
    own = pd.DataFrame({part: normalise_name(raw[part]) for part in parts})
    alone = own.notna().sum(axis=1).eq(1)
    value = raw["family_name"].where(own["family_name"].notna(), raw["given_name"]).where(alone)
    whole = whole_names(value)
    no_full = _col(frame, "full_name").str.strip().replace("", pd.NA).isna()
    names = split_names(_raw_full_name(frame).mask(whole & no_full, value), stated.eq("JP").fillna(False))
    bare = raw.notna().sum(axis=1).eq(1) & no_full
    for part in parts:
        names[part] = own[part].fillna(names[part].mask(bare)).where(~whole, names[part])
    names["name_pinyin"] = pinyin_name(names["family_name"], names["given_name"])
    return names


def _long(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """(row, value) for every non-empty value of `columns`, cells holding several values split."""
    parts = [
        frame[c].astype("string").dropna().rename("value").to_frame().assign(col=i)
        for i, c in enumerate(columns)
        if c in frame
    ]
    if not parts:
        return pd.DataFrame(
            {
                "row": pd.Series(dtype="int64"),
                "value": pd.Series(dtype="string"),
                "col": pd.Series(dtype="int64"),
            }
        )
    long = pd.concat(parts).rename_axis("row").reset_index()
    long["value"] = long["value"].map(split_multi)
    long = long.explode("value").dropna(subset=["value"])
    long["value"] = long["value"].astype("string")
    return long


def _runs(keys: np.ndarray, values: np.ndarray) -> pd.Series:
    """`values` as one list per run of equal `keys` (sorted), indexed by key: `groupby(sort=False).agg(list)`
    of a frame sorted by key, without a Python call per group (a night has hundreds of thousands)."""
    if not len(keys):
        return pd.Series(dtype=object)
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    ends = np.r_[starts[1:], len(keys)]
    items = values.tolist()
    return pd.Series(
        [items[a:b] for a, b in zip(starts, ends, strict=True)], index=keys[starts], dtype=object
    )


def _recency(frame: pd.DataFrame, date_formats: list[str] | tuple[str, ...] = ()) -> pd.Series:
    at = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    for name in (*RECENCY_COLUMNS, "_loaded_at"):
        if name in frame and at.isna().any():
            at = at.fillna(parse_datetimes(frame[name], date_formats))
    return at


def build_person_records(
    frame: pd.DataFrame,
    entity: str,
    source: str,
    region: str = "CN",
    date_formats: list[str] | tuple[str, ...] = (),
) -> pd.DataFrame:
    """One source's bronze/silver rows (canonical columns of `entity`, raw strings) → person records.
    `region`: the source's default country for phone numbers (row_regions reads each row's own first).

    `date_formats`: the source's own strptime patterns (sources.yaml), tried before the common forms for
    birth dates and update times, so a Zoho `04/12/1985` is read as it is in silver.

    Rows of the same person (same source_record_id) are merged: emails and phones unioned (most recent
    first), every other field the most recent non-empty value.
    """
    frame = frame.reset_index(drop=True)
    stated = own_regions(frame)
    rows = _names(frame, stated)
    regions = stated.fillna(region.upper())
    keyed = pd.DataFrame(
        {
            "source_record_id": _col(frame, "source_record_id"),
            "customer_ref": _col(frame, "customer_ref"),
            "_file": _col(frame, "_file"),
            "_line": _col(frame, "_line"),
        }
    )
    rows["source_record_id"] = person_keys(keyed, entity).astype("string")
    rows["birth_date"] = normalise_birth_date(_col(frame, "birth_date"), date_formats)
    rows["gender"] = normalise_gender(_col(frame, "gender"))
    rows["country"] = normalise_country(_col(frame, "country"))
    rows["province"] = normalise_place(_col(frame, "province"))
    rows["city"] = normalise_place(_col(frame, "city"))
    rows["address_norm"] = normalise_address(_col(frame, "address"))
    rows["postcode"] = normalise_postcode(_col(frame, "postcode"))
    rows["company"] = normalise_company(_col(frame, "company"))
    rows["title"] = normalise_text(_col(frame, "title"))
    rows["wechat_id"] = normalise_text(_col(frame, "wechat_id")).str.replace(" ", "", regex=False)
    for name in RAW_COLUMNS:
        rows[f"raw_{name}"] = _col(frame, name)
    rows["loaded_at"] = parse_datetimes(_col(frame, "_loaded_at"))
    rows["_file"] = _col(frame, "_file")
    rows["_line"] = _col(frame, "_line")
    rows["_recency"] = _recency(frame, date_formats)
    # Most recent row first within each person; ties keep file order.
    rows["_row"] = range(len(rows))
    order = rows.sort_values(
        ["source_record_id", "_recency", "_row"], ascending=[True, False, True], na_position="last"
    )
    rank = pd.Series(range(len(order)), index=order.index)

    emails = _long(frame, EMAIL_COLUMNS)
    emails["value"] = normalise_email(emails["value"])
    phones = _long(frame, PHONE_COLUMNS)
    raw_phones = phones["value"]
    phones["value"] = normalise_phone(raw_phones, regions.to_numpy()[phones["row"].to_numpy()])
    phones = national_readings(phones, raw_phones, stated, region)
    lists = {}
    for name, long in (("emails", emails), ("phones", phones)):
        long = long.dropna(subset=["value"]).assign(
            key=lambda d: rows["source_record_id"].to_numpy()[d["row"].to_numpy()] if len(d) else []
        )
        long["rank"] = rank.reindex(long["row"]).to_numpy() if len(long) else []
        long = long.sort_values(["key", "rank", "col"]).drop_duplicates(["key", "value"])
        keys = long["key"].to_numpy()
        lists[name] = _runs(keys, long["value"].to_numpy())
        if name == "phones":
            kinds = phone_type(long["value"])
            # A number its digits cannot type (North America: fixed_or_mobile) given as a home or office
            # phone is a landline: a household's or a company's, not one person's.
            fixed = kinds.eq("fixed_or_mobile") & long["col"].isin(LANDLINE_COLUMNS)
            kinds = kinds.mask(fixed.fillna(False), "landline")
            lists["phone_types"] = _runs(keys, kinds.to_numpy())

    scalar = [c for c in rows.columns if c not in ("source_record_id", "_recency", "_row", "loaded_at")]
    grouped = order.groupby("source_record_id", sort=False)
    out = grouped[scalar].first()
    out["loaded_at"] = grouped["loaded_at"].max()
    out["n_rows"] = grouped.size()
    out = out.reset_index()
    for name, values in lists.items():
        out[name] = [lst if isinstance(lst, list) else [] for lst in out["source_record_id"].map(values)]
    out["source"] = source
    out["entity"] = entity
    extra = [c for c in out.columns if c not in PERSON_COLUMNS]
    return out[PERSON_COLUMNS + extra].reset_index(drop=True)
