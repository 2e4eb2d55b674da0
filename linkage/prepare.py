"""Person records → the engine's record table: romanised keys, blocking keys, list columns.

Everything derived from a value is computed once per distinct value (or distinct family/given pair), on
object arrays rather than pandas string columns: real inputs repeat names, cities and dates a lot.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from linkage.arrow_columns import as_objects, inserted
from linkage.standardise import SYSTEMS, compound_of, romanise

# The version of the prepared record table's keys for the same person records: raised by a release that changes
# them (2: a romanised compound surname keyed as its Hanzi, Szeto = Situ = 司徒; 3: Cantonese keys in the Hong Kong
# government's spelling, 陳大文 chan/taiman, was chan/daaiman; 4: hangul and kana keyed, 김 kim/gim/kim, were none).
# A state fitted under another refits and prepares every record anew instead of reusing its stored prepared rows
# (linkage/state.py).
PREPARE_RULES = 4
PERSON_INPUT = (
    "source", "source_record_id", "full_name", "family_name", "given_name", "emails", "phones", "birth_date",
    "gender", "country", "province", "city", "address_norm", "postcode", "company", "title", "wechat_id",
)  # fmt: skip
_LIST_TYPES = (list, tuple, np.ndarray)
# Name columns derived from (family, given); Cantonese / Wade-Giles as scalars (comparisons need no list
# functions), Latin names repeating their key; name_keys: the name in each romanisation with the
# family/given order dropped, so 张伟, 'Wei Zhang' and 'Cheung Wai' meet there.
NAME_COLUMNS = ("family_key", "given_key", "family_key_yue", "given_key_yue", "family_key_wg", "given_key_wg",
                "name_keys", "name_key")  # fmt: skip


def map_distinct(values: np.ndarray, fn: Callable[[Any], Any], missing: Any = None) -> np.ndarray:
    """`fn(value)` once per distinct non-missing value of an object array; `missing` where there is none."""
    codes, uniques = pd.factorize(values)
    out = np.empty(len(uniques) + 1, dtype=object)
    for i, value in enumerate(uniques):
        out[i] = fn(value)
    out[-1] = missing
    return out[codes]


def _text(frame: pd.DataFrame, name: str) -> np.ndarray:
    """Stripped strings, None where missing or blank."""
    if name not in frame:
        return np.full(len(frame), None, dtype=object)
    return map_distinct(frame[name].to_numpy(dtype=object), lambda v: str(v).strip() or None)


def _lists(frame: pd.DataFrame, name: str) -> list:
    """List of values per record (duplicates and blanks are dropped when the records are encoded)."""
    if name not in frame:
        return [[] for _ in range(len(frame))]
    return [v if isinstance(v, list) else list(v) if isinstance(v, _LIST_TYPES) else [] for v in frame[name]]


def _name_columns(family: str | None, given: str | None) -> tuple:
    family = family and (compound_of(family) or family)  # 'Szeto', 'Situ' and 司徒 share their keys
    keys = {
        s: (romanise(family, s, surname=True) or None if family else None, romanise(given, s) or None if given else None)
        for s in SYSTEMS
    }  # fmt: skip
    fam, giv = keys["pinyin"]
    pairs = {
        f"{f} {g}" if f <= g else f"{g} {f}" for f, g in keys.values() if f is not None and g is not None
    }
    name_keys = sorted(pairs)
    return (
        fam, giv, keys["cantonese"][0] or fam, keys["cantonese"][1] or giv, keys["wade_giles"][0] or fam,
        keys["wade_giles"][1] or giv, name_keys, name_keys[0] if name_keys else None,
    )  # fmt: skip


def _names(family: np.ndarray, given: np.ndarray) -> dict[str, np.ndarray]:
    """NAME_COLUMNS, computed once per distinct (family, given)."""
    fam_codes, fam_values = pd.factorize(family)
    giv_codes, giv_values = pd.factorize(given)
    combos, first = np.unique(
        (fam_codes.astype(np.int64) + 1) * (len(giv_values) + 1) + giv_codes + 1, return_inverse=True
    )
    fam_of = np.concatenate([np.asarray(fam_values, dtype=object), [None]])
    giv_of = np.concatenate([np.asarray(giv_values, dtype=object), [None]])
    rows = [
        _name_columns(fam_of[c // (len(giv_values) + 1) - 1], giv_of[c % (len(giv_values) + 1) - 1])
        for c in combos.tolist()
    ]
    out = {}
    for j, name in enumerate(NAME_COLUMNS):
        column = np.empty(len(rows), dtype=object)
        for i, row in enumerate(rows):
            column[i] = row[j]
        out[name] = column[first]
    return out


def _address_words(address: str) -> list[str]:
    """Words of the address (3+ characters) for token blocking; common words fall to the block-size cap."""
    return sorted({w for w in address.split() if len(w) >= 3})


def prepare_records(persons: pd.DataFrame) -> pd.DataFrame:
    """One row per person record, `rid` 0…n-1 in (source, source_record_id) order: a rerun is identical."""
    return ordered_records(prepare_columns(persons))


def record_order(table: pd.DataFrame) -> np.ndarray:
    """The rows of prepared rows in record order (by source, then record id)."""
    return np.lexsort(
        (table["source_record_id"].to_numpy().astype(str), table["source"].to_numpy().astype(str))
    )


def ordered_records(table: pd.DataFrame) -> pd.DataFrame:
    """Prepared rows (prepare_columns, any batches of them) → the record table: sorted, unique, `rid`."""
    return ordered_with_order(table)[0]


def ordered_with_order(table: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """ordered_records, and the row of `table` each of its rows comes from (record_order)."""
    order = record_order(table)
    table = table.iloc[order].reset_index(drop=True)
    repeated = table.duplicated(["source", "source_record_id"])
    if repeated.any():
        dupes = table.loc[repeated, ["source", "source_record_id"]].head(3)
        raise ValueError(
            f"person records must be unique per (source, source_record_id); repeated: {dupes.to_dict('records')}"
        )
    table.insert(0, "rid", np.arange(len(table), dtype=np.int64))
    return table, order


def merge_ordered(ordered: pd.DataFrame, rows: pd.DataFrame, keep: np.ndarray | None = None) -> pd.DataFrame:
    """The record table (ordered_records) of prepared rows `ordered` (those `keep` says, default all), already
    in record order and unique (the stored records), and `rows` (a night's few): the night's rows sorted and
    inserted in place, the stored rows neither sorted nor copied more than once. Falls back to
    ordered_records when `ordered` is not in order or the columns differ."""
    return merged_with_origin(ordered, rows, keep)[0]


def merged_with_origin(
    ordered: pd.DataFrame, rows: pd.DataFrame, keep: np.ndarray | None = None
) -> tuple[pd.DataFrame, np.ndarray]:
    """merge_ordered, and where each row of the table comes from: i for `ordered`'s row i, len(ordered) + j for
    `rows`' row j."""
    kept = np.arange(len(ordered)) if keep is None else np.flatnonzero(keep)
    source = ordered["source"].to_numpy(dtype=object)[kept]
    ids = ordered["source_record_id"].to_numpy(dtype=object)[kept]
    if list(rows.columns) != list(ordered.columns) or not _in_order(source, ids):
        joined = pd.concat([as_objects(ordered.iloc[kept]), as_objects(rows)], ignore_index=True)
        table, order = ordered_with_order(joined)
        return table, np.r_[kept, len(ordered) + np.arange(len(rows))][order]
    rows, night_order = ordered_with_order(rows)
    rows = rows.drop(columns="rid")
    row_source = rows["source"].to_numpy(dtype=object)
    row_ids = rows["source_record_id"].to_numpy(dtype=object)
    at = np.empty(len(rows), dtype=np.int64)  # the stored rows before each night row
    for value in pd.unique(row_source):
        lo, hi = np.searchsorted(source, value, "left"), np.searchsorted(source, value, "right")
        mine = row_source == value
        at[mine] = lo + np.searchsorted(ids[lo:hi], row_ids[mine], "left")
    inside = at < len(source)
    repeated = np.zeros(len(rows), dtype=bool)
    repeated[inside] = (source[at[inside]] == row_source[inside]) & (ids[at[inside]] == row_ids[inside])
    if repeated.any():
        dupes = rows.loc[repeated, ["source", "source_record_id"]].head(3)
        raise ValueError(
            f"person records must be unique per (source, source_record_id); repeated: {dupes.to_dict('records')}"
        )
    # column by column: a frame built from a dict of columns would copy them all once more into one block
    table = pd.DataFrame({"rid": np.arange(len(source) + len(rows), dtype=np.int64)})
    for c in ordered.columns:  # an Arrow-backed column stays so (linkage/arrow_columns.py)
        table[c] = inserted(ordered[c], kept, at, rows[c])
    return table, np.insert(kept, at, len(ordered) + night_order)


def _in_order(source: np.ndarray, ids: np.ndarray) -> bool:
    """Whether (source, id) strictly ascend, as ordered_records sorts them (each key once)."""
    if len(source) < 2:
        return True
    s0, s1, i0, i1 = source[:-1], source[1:], ids[:-1], ids[1:]
    return bool(((s0 < s1) | ((s0 == s1) & (i0 < i1))).all())


def prepare_columns(persons: pd.DataFrame) -> pd.DataFrame:
    """The record table's columns, row by row in input order (no `rid`): each row depends on its own
    person record only, so any batch of records can be prepared on its own (linkage/spark)."""
    frame = persons.reset_index(drop=True)
    source = _text(frame, "source")
    source[pd.isna(source)] = ""
    out = {"source": source, "source_record_id": _text(frame, "source_record_id")}
    if pd.isna(out["source_record_id"]).any():
        raise ValueError("person records need a source_record_id on every row")
    for name in ("full_name", "family_name", "given_name", "gender", "country", "address_norm", "postcode"):
        out[name] = _text(frame, name)
    for name in ("company", "title", "wechat_id"):
        out[name] = _text(frame, name)
    out.update(_names(out["family_name"], out["given_name"]))
    birth = map_distinct(_text(frame, "birth_date"), lambda v: v[:10])
    out["birth_date"] = birth
    out["birth_year"] = map_distinct(birth, lambda v: v[:4])
    out["birth_month_day"] = map_distinct(birth, lambda v: v[5:10] or None)
    out["province_key"] = map_distinct(_text(frame, "province"), lambda v: romanise(v) or None)
    out["city_key"] = map_distinct(_text(frame, "city"), lambda v: romanise(v) or None)
    out["address_words"] = map_distinct(out["address_norm"], _address_words, missing=[])
    out["emails"] = _lists(frame, "emails")
    out["phones"] = _lists(frame, "phones")
    if "phone_types" in frame:  # mobile | landline | …, aligned with phones (contact-point sharedness)
        out["phone_types"] = _lists(frame, "phone_types")
    if "loaded_at" in frame:
        out["loaded_at"] = frame["loaded_at"].to_numpy()
    return pd.DataFrame(out)
