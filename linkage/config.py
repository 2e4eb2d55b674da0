"""The matching configuration: YAML validated by pydantic; errors name the file, the key and the fix."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "config" / "linkage.yaml"

# Columns of the prepared record table (linkage/prepare.py) that rules and comparisons may use.
LIST_COLUMNS = frozenset({"emails", "phones", "name_keys", "address_words"})
SCALAR_COLUMNS = frozenset(
    {
        "source", "full_name", "family_name", "given_name", "family_key", "given_key", "name_key",
        "family_key_yue", "family_key_wg", "given_key_yue", "given_key_wg",
        "birth_date", "birth_year", "birth_month_day", "gender", "country", "province_key", "city_key",
        "address_norm", "postcode", "company", "title", "wechat_id",
    }
)  # fmt: skip
COLUMNS = LIST_COLUMNS | SCALAR_COLUMNS


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BlockingRule(_Strict):
    name: str
    columns: list[str] = Field(min_length=1, description="record columns whose values must be equal")
    max_block_size: int | None = Field(
        None, ge=2, description="overrides blocking.max_block_size for this rule"
    )

    @model_validator(mode="after")
    def _columns(self) -> BlockingRule:
        unknown = [c for c in self.columns if c not in COLUMNS]
        if unknown:
            raise ValueError(f"unknown column(s) {unknown}; use some of {sorted(COLUMNS)}")
        if sum(c in LIST_COLUMNS for c in self.columns) > 1:
            raise ValueError("at most one list column (emails, phones, name_keys…) per rule")
        return self


class Blocking(_Strict):
    max_block_size: int = Field(
        1000, ge=2, description="keys shared by more records are skipped (and reported)"
    )
    rules: list[BlockingRule] = Field(min_length=1)


class Comparison(_Strict):
    name: str
    kind: Literal["name", "fuzzy", "date", "overlap", "exact"]
    column: str
    metric: Literal["jaro_winkler", "levenshtein", "damerau_levenshtein", "jaccard"] = "jaro_winkler"
    levels: list[float] = Field(
        default_factory=list, description="thresholds of the graded levels, strictest first"
    )
    term_frequency: bool = False
    partial: Literal["email_local", "phone_suffix"] | None = Field(
        None, description="overlap only: a level below exact for the same mailbox name / last 8 digits"
    )

    @model_validator(mode="after")
    def _check(self) -> Comparison:
        if self.kind == "name" and self.column not in ("family", "given"):
            raise ValueError("a 'name' comparison's column is 'family' or 'given'")
        if self.kind == "overlap" and self.column not in LIST_COLUMNS:
            raise ValueError(f"an 'overlap' comparison needs a list column: one of {sorted(LIST_COLUMNS)}")
        if self.kind in ("fuzzy", "date", "exact") and self.column not in SCALAR_COLUMNS:
            raise ValueError(f"unknown column {self.column!r}; use one of {sorted(SCALAR_COLUMNS)}")
        return self

    @property
    def n_levels(self) -> int:
        """Non-null levels: 0 = disagree … top = exact."""
        extra = {"name": len(self.levels), "fuzzy": len(self.levels), "date": 1}.get(self.kind, 0)
        extra += 1 if self.kind == "overlap" and self.partial else 0
        return 2 + extra

    @property
    def reads(self) -> set[str]:
        """Record columns the comparison reads."""
        if self.kind == "name":
            own, other = self.column, "given" if self.column == "family" else "family"
            return {f"{own}_name", f"{own}_key", f"{own}_key_yue", f"{own}_key_wg", f"{other}_key"}
        return {self.column}

    @property
    def uses(self) -> set[str]:
        """Record columns carrying the same evidence: a blocking rule on any of them agrees by construction."""
        if self.kind == "name":
            return self.reads | {"name_keys", "name_key", "full_name"}
        if self.column == "birth_date":
            return {"birth_date", "birth_year", "birth_month_day"}
        if self.column == "address_norm":
            return {"address_norm", "address_words"}
        return {self.column}


class Scoring(_Strict):
    method: Literal["em", "supervised"] = "em"
    u_sample_pairs: int = Field(100_000, ge=1000)
    em_iterations: int = Field(40, ge=1)
    seed: int = 42
    tf_minimum: float = Field(1e-6, gt=0, description="floor of a value's frequency in the TF adjustment")


class Thresholds(_Strict):
    match: float = Field(0.8, gt=0, lt=1, description="match probability at or above which pairs are merged")
    review: float = Field(
        0.3, gt=0, lt=1, description="pairs between this and `match` go to the review queue"
    )

    @model_validator(mode="after")
    def _order(self) -> Thresholds:
        if self.review > self.match:
            raise ValueError("thresholds.review must not exceed thresholds.match")
        return self


class Clustering(_Strict):
    complete_evidence_max_size: int = Field(
        1000,
        ge=0,
        description="score every pair inside a match component of up to this many records before the guard "
        "decides (0: only the blocked pairs)",
    )
    min_average_weight: float = Field(
        0.0, description="refuse to merge two groups whose average pair match weight (bits) is below this"
    )
    veto_probability: float | None = Field(
        0.15,
        ge=0,
        lt=1,
        description="refuse to merge two groups holding a pair scored below this probability",
    )


class Incremental(_Strict):
    """Nights that reuse the fitted model (linkage/incremental.py) until it is due for a refit."""

    enabled: bool = Field(
        True,
        description="link only the night's new and changed records and the customers they touch (the same "
        "ids as a full run with the stored model); off: every record every night",
    )

    refit_every_nights: int = Field(
        7, ge=1, description="a full run (EM refit) at least this often; 1 = always"
    )
    max_drift: float = Field(
        0.15,
        gt=0,
        le=1,
        description="refit when the night's comparison levels move this far (total variation)",
    )
    max_growth: float = Field(
        0.25,
        gt=0,
        description="refit when the file has grown by more than this share since the model was fitted",
    )
    drift_min_pairs: int = Field(
        300,
        ge=1,
        description="a comparison valued on fewer of the night's matched pairs is not judged for drift",
    )


class LinkageConfig(_Strict):
    link_type: Literal["dedupe_and_link", "link_only"] = "dedupe_and_link"
    blocking: Blocking
    comparisons: list[Comparison] = Field(min_length=1)
    scoring: Scoring = Scoring()
    thresholds: Thresholds = Thresholds()
    clustering: Clustering = Clustering()
    incremental: Incremental = Incremental()
    keep_non_match_pairs: bool = False

    @property
    def record_columns(self) -> set[str]:
        """Record columns the blocking rules and comparisons read."""
        return {c for rule in self.blocking.rules for c in rule.columns}.union(
            *(c.reads for c in self.comparisons)
        )

    @model_validator(mode="after")
    def _unique_names(self) -> LinkageConfig:
        names = [c.name for c in self.comparisons]
        if len(set(names)) != len(names):
            raise ValueError(f"comparison names must be unique: {names}")
        return self


class LinkageConfigError(ValueError):
    pass


def load_linkage_config(path: Path | None = None) -> LinkageConfig:
    """Read linkage.yaml: `path`, else $C360_CONFIG_DIR/linkage.yaml, else the repo's defaults."""
    if path is None:
        env = os.environ.get("C360_CONFIG_DIR")
        candidate = Path(env) / "linkage.yaml" if env else None
        path = candidate if candidate and candidate.exists() else DEFAULT_PATH
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise LinkageConfigError(f"{path}: cannot read the linkage configuration: {exc}") from exc
    try:
        return LinkageConfig.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"key {'.'.join(str(p) for p in e['loc']) or '<root>'}: {e['msg']}" for e in exc.errors()
        )
        raise LinkageConfigError(f"{path}: {problems}. Fix these keys (see config/linkage.yaml).") from exc
