"""Person records → the engine's record table: romanised keys, blocking keys, term frequencies."""

from __future__ import annotations

import numpy as np
import pandas as pd

from linkage.standardise import SYSTEMS, romanised_key

PERSON_INPUT = (
    "source", "source_record_id", "full_name", "family_name", "given_name", "emails", "phones", "birth_date",
    "gender", "country", "province", "city", "address_norm", "postcode", "company", "title", "wechat_id",
)  # fmt: skip


def _text(frame: pd.DataFrame, name: str) -> pd.Series:
    if name not in frame:
        return pd.Series(pd.NA, index=frame.index, dtype="string")
    return frame[name].astype("string").str.strip().replace("", pd.NA)


def _lists(frame: pd.DataFrame, name: str) -> pd.Series:
    if name not in frame:
        return pd.Series([[] for _ in range(len(frame))], index=frame.index, dtype=object)
    return pd.Series(
        [sorted({str(x) for x in v if x}) if _is_list(v) and len(v) else [] for v in frame[name].to_numpy()],
        index=frame.index,
        dtype=object,
    )


_LIST_TYPES = (list, tuple, np.ndarray)


def _is_list(value: object) -> bool:
    return isinstance(value, _LIST_TYPES)


def _keys(family: pd.Series, given: pd.Series, system: str) -> tuple[pd.Series, pd.Series]:
    return romanised_key(family, system, surname=True), romanised_key(given, system)


def prepare_records(persons: pd.DataFrame) -> pd.DataFrame:
    """One row per person record, `rid` 0…n-1 in (source, source_record_id) order: a rerun is identical."""
    frame = persons.reset_index(drop=True)
    out = pd.DataFrame(
        {"source": _text(frame, "source").fillna(""), "source_record_id": _text(frame, "source_record_id")}
    )
    if out["source_record_id"].isna().any():
        raise ValueError("person records need a source_record_id on every row")
    for name in ("full_name", "family_name", "given_name", "gender", "country", "address_norm", "postcode"):
        out[name] = _text(frame, name)
    for name in ("company", "title", "wechat_id"):
        out[name] = _text(frame, name)
    keys = {s: _keys(out["family_name"], out["given_name"], s) for s in SYSTEMS}
    out["family_key"], out["given_key"] = keys["pinyin"]
    # Cantonese / Wade-Giles forms as scalars (comparisons need no list functions); Latin names repeat their key.
    for system, suffix in (("cantonese", "yue"), ("wade_giles", "wg")):
        out[f"family_key_{suffix}"] = keys[system][0].where(keys[system][0].notna(), out["family_key"])
        out[f"given_key_{suffix}"] = keys[system][1].where(keys[system][1].notna(), out["given_key"])
    # The name in each romanisation with family/given order dropped: 张伟, 'Wei Zhang', 'Cheung Wai' meet here.
    per_system = []
    for system in SYSTEMS:
        fam, giv = keys[system]
        pair = (fam + " " + giv).where(fam <= giv, giv + " " + fam)
        per_system.append(pair.astype(object).where(pair.notna(), None).to_numpy())
    name_keys = [sorted({k for k in ks if k is not None}) for ks in zip(*per_system, strict=True)]
    out["name_keys"] = name_keys
    out["name_key"] = pd.Series([k[0] if k else None for k in name_keys], index=out.index, dtype="string")
    birth = _text(frame, "birth_date").str.slice(0, 10)
    out["birth_date"] = birth
    out["birth_year"] = birth.str.slice(0, 4)
    out["birth_month_day"] = birth.str.slice(5, 10)
    out["province_key"] = romanised_key(_text(frame, "province"))
    out["city_key"] = romanised_key(_text(frame, "city"))
    # Words of the address (3+ characters) for token blocking; common words fall to the block-size cap.
    out["address_words"] = out["address_norm"].map(
        lambda a: sorted({w for w in a.split() if len(w) >= 3}) if isinstance(a, str) else []
    )
    out["emails"] = _lists(frame, "emails")
    out["phones"] = _lists(frame, "phones")
    for name in ("loaded_at",):
        if name in frame:
            out[name] = frame[name]
    out = out.sort_values(["source", "source_record_id"], kind="stable").reset_index(drop=True)
    if out.duplicated(["source", "source_record_id"]).any():
        dupes = out.loc[out.duplicated(["source", "source_record_id"]), ["source", "source_record_id"]].head(
            3
        )
        raise ValueError(
            f"person records must be unique per (source, source_record_id); repeated: {dupes.to_dict('records')}"
        )
    out.insert(0, "rid", np.arange(len(out), dtype=np.int64))
    return out


def term_frequencies(values: pd.Series) -> pd.Series:
    """Share of records (with any value) holding each value; list columns count each record once per value."""
    if values.dtype == object and len(values) and _is_list(values.iloc[0]):
        values = values.explode()
    values = values.dropna()
    if values.empty:
        return pd.Series(dtype="float64")
    return values.value_counts(normalize=True)
