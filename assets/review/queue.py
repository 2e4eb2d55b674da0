"""The review queue: the linkage's review pairs, ordered by what a decision is worth, with each pair's evidence.

Value of a decision = uncertainty × customer value: uncertainty is 1 − 2·|0.5 − p| (1 at a coin toss, 0 when the
model is sure), customer value is log2(2 + revenue) of the two customers the records belong to (silver orders
joined by person key, summed over each customer's records in customer_xref). A big customer's coin toss comes
first; a pair the steward already decided leaves the queue (an `unsure` one stays, after the undecided ones).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from assets.entities import Pii
from assets.layout import DataLayout
from assets.link.io import read_person_glob, read_previous
from assets.parquet_files import zone_relation
from assets.privacy.encryption import zone_connection
from assets.privacy.masking import mask_value
from assets.review.decisions import in_force, read_decisions
from linkage.config import Comparison, LinkageConfig
from linkage.constraints import record_key
from linkage.prepare import prepare_records

BANDS = ("low", "middle", "high")  # thirds of the review band [thresholds.review, thresholds.match)

# What the page shows per record: (label, delivered column, standardised column, match-key column, PII tag,
# the comparison that weighs it).
FIELDS = [
    ("name", "raw_full_name", "full_name", "name_key", Pii.NAME, None),
    ("family name", "raw_family_name", "family_name", "family_key", Pii.NAME, "family_name"),
    ("given name", "raw_given_name", "given_name", "given_key", Pii.NAME, "given_name"),
    ("birth date", "raw_birth_date", "birth_date", "birth_year", Pii.BIRTH_DATE, "birth_date"),
    ("email", "raw_email", "emails", "emails", Pii.EMAIL, "email"),
    ("phone", "raw_phone_mobile", "phones", "phones", Pii.PHONE, "phone"),
    ("wechat", None, "wechat_id", "wechat_id", Pii.SOCIAL_ID, "wechat"),
    ("address", "raw_address", "address_norm", "address_norm", Pii.ADDRESS, "address"),
    ("postcode", None, "postcode", "postcode", Pii.ADDRESS, "postcode"),
    ("city", None, "city", "city_key", None, "city"),
    ("province", None, "province", "province_key", None, "province"),
    ("country", None, "country", "country", None, None),
    ("gender", None, "gender", "gender", None, "gender"),
    ("company", None, "company", "company", None, "company"),
    ("title", None, "title", "title", None, None),
]


@dataclass
class ReviewData:
    queue: pd.DataFrame  # review pairs with priority, uncertainty, value, cities, decision state
    persons: pd.DataFrame  # person records of the queue's records, indexed by record key
    prepared: pd.DataFrame  # their match keys (linkage/prepare.py), indexed by record key
    decisions: pd.DataFrame  # decisions in force, with `stale`
    review: pd.DataFrame | None = None  # the linkage's review_queue as written
    value: pd.Series | None = None  # customer value per record key


def record_revenue(layout: DataLayout) -> pd.DataFrame:
    """orders and revenue per person record (source, source_record_id) from silver orders."""
    relation = zone_relation(layout.silver_glob("order"), "union_by_name = true")
    if relation is None:
        return pd.DataFrame(columns=["key", "orders", "revenue"])
    with zone_connection() as con:
        columns = {r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()}
        if not {"source", "person_source_record_id", "amount_num"} <= columns:
            return pd.DataFrame(columns=["key", "orders", "revenue"])
        frame = con.execute(
            f"SELECT source, person_source_record_id AS id, count(*) AS orders, "
            f"coalesce(sum(amount_num), 0) AS revenue FROM {relation} "
            f"WHERE person_source_record_id IS NOT NULL GROUP BY ALL"
        ).df()
    return pd.DataFrame({"key": record_key(frame["source"], frame["id"]), "orders": frame["orders"],
                         "revenue": frame["revenue"].astype(float)})  # fmt: skip


def customer_value(xref: pd.DataFrame | None, revenue: pd.DataFrame) -> pd.Series:
    """Revenue per record key, summed over every record of the record's customer."""
    if xref is None or xref.empty:
        return pd.Series(revenue["revenue"].to_numpy(), index=revenue["key"].to_numpy(), dtype=float)
    keys = record_key(xref["source"], xref["source_record_id"])
    own = keys.map(pd.Series(revenue["revenue"].to_numpy(), index=revenue["key"].to_numpy())).fillna(0.0)
    per_customer = own.groupby(xref["customer_id"].to_numpy()).sum()
    return pd.Series(xref["customer_id"].map(per_customer).to_numpy(), index=keys.to_numpy(), dtype=float)


def build_queue(
    review: pd.DataFrame, decisions: pd.DataFrame, value: pd.Series, config: LinkageConfig
) -> pd.DataFrame:
    """Review pairs ordered by priority (highest first); decided pairs (match/non_match) left out."""
    if review is None or review.empty:
        return pd.DataFrame(columns=["pair", "priority", "band", "label"])
    q = review.copy()
    lk, rk = record_key(q["source_l"], q["id_l"]), record_key(q["source_r"], q["id_r"])
    q["key_l"], q["key_r"] = lk.to_numpy(), rk.to_numpy()
    first = (lk <= rk).to_numpy()  # the pair's smaller key first: two joins of the strings, not four
    q["pair"] = np.where(first, lk, rk) + "\x1f" + np.where(first, rk, lk)
    p = q["match_probability"].astype(float)
    q["uncertainty"] = 1 - 2 * (0.5 - p).abs()
    q["value"] = lk.map(value).fillna(0.0).to_numpy() + rk.map(value).fillna(0.0).to_numpy()
    q["priority"] = q["uncertainty"] * np.log2(2 + q["value"])
    low, high = config.thresholds.review, config.thresholds.match
    q["band"] = pd.cut(p, [-np.inf, low + (high - low) / 3, low + 2 * (high - low) / 3, np.inf], labels=BANDS,
                       right=False).astype(str)  # fmt: skip
    state = pd.Series(dtype=str)
    if not decisions.empty:
        d_pair = (record_key(decisions["source_l"], decisions["id_l"]) + "\x1f"
                  + record_key(decisions["source_r"], decisions["id_r"]))  # fmt: skip
        state = pd.Series(decisions["label"].to_numpy(), index=d_pair.to_numpy())
    q["label"] = q["pair"].map(state).fillna("")
    q = q[~q["label"].isin(["match", "non_match"])]
    q = q.sort_values(["label", "priority", "pair"], ascending=[True, False, True], kind="stable")
    return q.reset_index(drop=True)


def load_review(layout: DataLayout, config: LinkageConfig) -> ReviewData:
    review = read_previous(layout.linkage_dir, "review_queue")
    sides = [review] if review is not None else []
    log = read_decisions(layout)
    sides.append(log)  # decided records too: their fingerprints tell a stale decision
    needed = pd.concat(
        [
            f[[f"source_{s}", f"id_{s}"]].set_axis(["source", "source_record_id"], axis=1)
            for f in sides
            for s in "lr"
        ],
        ignore_index=True,
    )
    persons = read_person_glob(layout.silver_glob("person"), only=needed)  # not the whole file
    if persons is None:
        persons = pd.DataFrame(columns=["source", "source_record_id"])
    keys = record_key(persons["source"], persons["source_record_id"])
    in_queue = (
        set()
        if review is None
        else set(record_key(review["source_l"], review["id_l"]))
        | set(record_key(review["source_r"], review["id_r"]))
    )
    wanted = keys.isin(in_queue).to_numpy()
    decisions = in_force(log, persons)
    persons = persons[wanted].set_index(keys[wanted].to_numpy())
    prepared = prepare_records(persons.reset_index(drop=True)) if len(persons) else pd.DataFrame()
    if len(prepared):  # prepared rows come in (source, source_record_id) order
        prepared.index = record_key(prepared["source"], prepared["source_record_id"]).to_numpy()
    value = customer_value(read_previous(layout.linkage_dir, "customer_xref"), record_revenue(layout))
    data = ReviewData(pd.DataFrame(), persons, prepared, decisions, review, value)
    return requeue(data, config)


def requeue(data: ReviewData, config: LinkageConfig) -> ReviewData:
    """The queue again from the review pairs and the decisions in force (after a decision)."""
    queue = build_queue(data.review, data.decisions, data.value, config)
    city = data.persons["city"] if "city" in data.persons else pd.Series(dtype=str)
    if len(queue):
        queue["city_l"] = queue["key_l"].map(city).fillna("").astype(str).to_numpy()
        queue["city_r"] = queue["key_r"].map(city).fillna("").astype(str).to_numpy()
    data.queue = queue
    return data


def filter_queue(queue: pd.DataFrame, source: str = "", city: str = "", band: str = "") -> pd.DataFrame:
    out = queue
    if source and len(out):
        out = out[(out["source_l"] == source) | (out["source_r"] == source)]
    if city and len(out):
        out = out[(out["city_l"] == city) | (out["city_r"] == city)]
    if band and len(out):
        out = out[out["band"] == band]
    return out


def level_label(c: Comparison, g: int) -> str:
    """A comparison level in words (Splink's comparison-level labels)."""
    top = c.n_levels - 1
    if g < 0:
        return "missing"
    if g == top:
        return "exact"
    if g == 0:
        return "different"
    if c.kind == "date":
        return "close"
    if c.kind == "overlap":
        return {"phone_suffix": "same last 8 digits", "email_local": "same mailbox name"}.get(
            c.partial or "", "partial"
        )
    threshold = c.levels[top - 1 - g]
    return (
        f"≤ {threshold:g} edits"
        if c.metric in ("levenshtein", "damerau_levenshtein")
        else f"similar ≥ {threshold:g}"
    )


def shown(value: object, tag: Pii | None, masked: bool) -> str:
    """A cell as text: lists joined, missing empty, PII masked for the analyst role."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    values = list(value) if isinstance(value, list | tuple | np.ndarray) else [value]
    texts = [str(v) for v in values if v is not None and str(v) != ""]
    if masked and tag is not None:
        texts = [str(mask_value(t, tag)) for t in texts]
    return ", ".join(texts)


def pair_detail(row: pd.Series, data: ReviewData, config: LinkageConfig, masked: bool) -> dict:
    """The two records side by side, each comparison's level and weight, and the waterfall to the match weight."""
    comparisons = {c.name: c for c in config.comparisons}
    weights = {c.name: float(row.get(f"weight_{c.name}", 0.0) or 0.0) for c in config.comparisons}
    prior = float(row["match_weight"]) - sum(weights.values())
    fields = []
    for label, raw, std, key, tag, comparison in FIELDS:
        sides = []
        for side in ("l", "r"):
            person = (
                data.persons.loc[row[f"key_{side}"]] if row[f"key_{side}"] in data.persons.index else None
            )
            prepared = (
                data.prepared.loc[row[f"key_{side}"]] if row[f"key_{side}"] in data.prepared.index else None
            )
            sides.append({
                "delivered": shown(person.get(raw) if person is not None and raw else None, tag, masked),
                "standardised": shown(person.get(std) if person is not None else None, tag, masked),
                "key": shown(prepared.get(key) if prepared is not None else None, tag, masked),
            })  # fmt: skip
        evidence = None
        if comparison in comparisons:
            g = int(row.get(f"gamma_{comparison}", -1))
            evidence = {"level": level_label(comparisons[comparison], g), "weight": weights[comparison]}
        fields.append({"label": label, "left": sides[0], "right": sides[1], "evidence": evidence})
    steps = [("prior", prior)] + [(n, w) for n, w in weights.items() if w != 0]
    return {"fields": fields, "waterfall": waterfall(steps), "prior": prior}


def waterfall(steps: list[tuple[str, float]]) -> list[dict]:
    """Bars of a Splink-style waterfall: each step starts where the previous ended; a final total bar."""
    bars, running = [], 0.0
    for name, w in steps:
        bars.append({"name": name, "start": running, "end": running + w, "weight": w})
        running += w
    bars.append({"name": "match weight", "start": 0.0, "end": running, "weight": running, "total": True})
    return bars
