"""sources.yaml: one entry per source, validated by pydantic; every error names the file, the key and the fix."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from assets.entities import ENTITIES, Pii
from assets.ingest.confine import PathOutsideRoot, check_glob, vendor_file
from assets.ingest.headers import unmapped_identifier_config
from assets.ingest.rules import DEFAULT_AMOUNT_CHECK, AmountCheck, ColumnRule, merged_rules
from assets.layout import DataLayout

FORMATS = ("csv", "tsv", "xlsx", "jsonl", "json")


class SourcesConfigError(ValueError):
    """A sources.yaml problem, phrased as `file: key: what is wrong — how to fix it`."""


def header_key(header: str) -> str:
    """Tolerant header matching: BOM, full-width forms, case, and runs of whitespace do not matter."""
    text = unicodedata.normalize("NFKC", str(header)).replace("\ufeff", "")
    return re.sub(r"\s+", " ", text).strip().casefold()


class SourceConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    entity: str
    glob: str
    format: Literal["csv", "tsv", "xlsx", "jsonl", "json"] = "csv"
    encoding: str = "auto"
    delimiter: str = "auto"
    sheet: str | int | None = None  # xlsx: sheet name or 0-based index; default the first sheet
    skip_rows: int = Field(default=0, ge=0)  # rows above the header
    skip_rows_after_header: int = Field(default=0, ge=0)  # e.g. Qualtrics' two extra header rows
    # vendor header -> canonical column; `a|b`: column a, else b when a better-listed header already holds a
    columns: dict[str, str] = Field(default_factory=dict)
    date_formats: list[str] = Field(default_factory=list)  # tried first; ISO, 年月日 and Excel serials after
    primary_key: list[str] = Field(default_factory=list)
    priority: int = Field(default=5, ge=1)
    phone_region: str = "CN"
    # Sources whose record ids this source's customer_ref may hold (orders keyed by the CRM's contact id):
    # such a row joins that record's customer deterministically (linkage/references.py).
    references: list[str] = Field(default_factory=list)
    pii: dict[str, Pii] = Field(default_factory=dict)  # unmapped header kept in `_extra` -> PII tag
    description: str = ""
    # Validation rules (assets/ingest/rules.py): canonical column / unmapped header -> checks
    rules: dict[str, ColumnRule] = Field(default_factory=dict)
    extra_rules: dict[str, ColumnRule] = Field(default_factory=dict)
    amount_check: AmountCheck | bool = True  # orders: amount ≈ quantity × unit_price; false turns it off
    excel_serials: bool | None = None  # bare numbers in date columns as Excel serials (default: xlsx only)
    # canonical column -> {delivered code: value written to silver}, e.g. an API's enumeration names to labels
    values: dict[str, dict[str, str]] = Field(default_factory=dict)

    @field_validator("entity")
    @classmethod
    def _known_entity(cls, value: str) -> str:
        if value not in ENTITIES:
            raise ValueError(f"unknown entity {value!r}; use one of {sorted(ENTITIES)}")
        return value

    @field_validator("glob")
    @classmethod
    def _confined_glob(cls, value: str) -> str:
        return check_glob(value)

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        if value != "auto":
            import codecs

            try:
                codecs.lookup(value)
            except LookupError:
                raise ValueError(f"unknown encoding {value!r}; use 'auto' or a Python codec name") from None
        return value

    @field_validator("delimiter")
    @classmethod
    def _one_char(cls, value: str) -> str:
        if value != "auto" and len(value) != 1:
            raise ValueError(f"delimiter {value!r} must be one character or 'auto'")
        return value

    @field_validator("date_formats")
    @classmethod
    def _formats(cls, value: list[str]) -> list[str]:
        for fmt in value:
            if "%" not in fmt:
                raise ValueError(f"date format {fmt!r} is not a strftime pattern (e.g. '%m/%d/%Y')")
        return value

    @model_validator(mode="after")
    def _columns_exist(self) -> SourceConfig:
        entity = ENTITIES[self.entity]
        known = set(entity.column_names)
        for vendor, targets in self.columns.items():
            canonical = next((t for t in targets.split("|") if t not in known), None)
            if canonical is not None:
                raise ValueError(
                    f"columns: {vendor!r} maps to {canonical!r}, not a column of entity {self.entity!r};"
                    f" use one of {sorted(known)}"
                )
        keys: dict[str, str] = {}
        for vendor in self.columns:
            k = header_key(vendor)
            if k in keys and self.columns[keys[k]] != self.columns[vendor]:
                raise ValueError(
                    f"columns: {keys[k]!r} and {vendor!r} are the same header but map differently"
                )
            keys[k] = vendor
        mapped = {t for targets in self.columns.values() for t in targets.split("|")}
        for col in self.primary_key:
            if col not in mapped:
                raise ValueError(
                    f"primary_key: {col!r} is not a target of `columns`; map a vendor header onto it"
                )
        return self

    @model_validator(mode="after")
    def _rules_name_columns(self) -> SourceConfig:
        known = set(self.entity_def.column_names)
        for column, rule in self.rules.items():
            for name, key in [(column, f"rules: {column!r}")] + [
                (c, f"rules.{column}.unless: {c!r}") for c in rule.unless
            ]:
                if name not in known:
                    raise ValueError(
                        f"{key} is not a column of entity {self.entity!r}; use one of {sorted(known)}"
                    )
        return self

    @model_validator(mode="after")
    def _values_name_columns(self) -> SourceConfig:
        known = set(self.entity_def.column_names)
        for column in self.values:
            if column not in known:
                raise ValueError(
                    f"values: {column!r} is not a column of entity {self.entity!r}; use one of {sorted(known)}"
                )
        return self

    @model_validator(mode="after")
    def _maps_an_identifier(self) -> SourceConfig:
        if problem := unmapped_identifier_config(self.entity, self.columns):
            raise ValueError(problem)
        return self

    @property
    def entity_def(self):
        return ENTITIES[self.entity]

    @property
    def required_columns(self) -> list[str]:
        """Canonical columns a file of this source must carry (entity's required + primary key + rules'
        `required: true`, less those a rule declares `required: false`)."""
        rules = self.column_rules()
        out = [c for c in self.entity_def.required if rules.get(c, ColumnRule()).required is not False]
        out += [c for c, r in rules.items() if r.required and c not in out]
        out += [c for c in self.primary_key if c not in out]
        return out

    def column_rules(self) -> dict[str, ColumnRule]:
        """The entity's default rules with this source's `rules:` over them."""
        return merged_rules(self.entity, self.rules)

    def amount_rule(self) -> AmountCheck | None:
        """The amount ≈ quantity × unit_price check of an order source, or None when off."""
        if self.amount_check is False or self.entity not in DEFAULT_AMOUNT_CHECK:
            return None
        return DEFAULT_AMOUNT_CHECK[self.entity] if self.amount_check is True else self.amount_check

    @property
    def serial_dates(self) -> bool:
        """Bare numbers in date columns are Excel serials only in spreadsheets, unless the source says so."""
        return self.format == "xlsx" if self.excel_serials is None else self.excel_serials

    def header_map(self) -> dict[str, str]:
        """Normalised vendor header -> canonical column."""
        return {header_key(k): v for k, v in self.columns.items()}


class SourcesConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sources: list[SourceConfig]

    @model_validator(mode="after")
    def _unique_names(self) -> SourcesConfig:
        seen: set[str] = set()
        for s in self.sources:
            if s.name in seen:
                raise ValueError(f"source name {s.name!r} appears twice; names must be unique")
            seen.add(s.name)
        return self

    def references(self) -> dict[str, list[str]]:
        """source -> the sources whose record ids its customer_ref may hold (declared ones only)."""
        return {s.name: list(s.references) for s in self.sources if s.references}

    def get(self, name: str) -> SourceConfig:
        for s in self.sources:
            if s.name == name:
                return s
        raise KeyError(name)


def _key_path(loc: tuple, data: dict) -> str:
    """('sources', 2, 'format') -> 'sources[2:zoho].format'."""
    parts: list[str] = []
    for i, part in enumerate(loc):
        if isinstance(part, int) and i > 0 and loc[i - 1] == "sources":
            try:
                parts[-1] += f"[{part}:{data['sources'][part].get('name', '?')}]"
            except (KeyError, IndexError, TypeError, AttributeError):
                parts[-1] += f"[{part}]"
        else:
            parts.append(str(part))
    return ".".join(parts)


def load_sources_config(path: Path) -> SourcesConfig:
    """Read and validate a sources.yaml (vendor files under `vendors/` beside it may be referenced with `use:`)."""
    path = Path(path)
    if not path.exists():
        raise SourcesConfigError(f"{path}: file not found — create it or set C360_CONFIG_DIR")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise SourcesConfigError(f"{path}: not valid YAML — {' '.join(str(exc).split())}") from None
    if not isinstance(data, dict) or not isinstance(data.get("sources"), list):
        raise SourcesConfigError(f"{path}: sources: missing — the file needs a top-level `sources:` list")
    data["sources"] = [_expand_use(path, i, s) for i, s in enumerate(data["sources"])]
    try:
        config = SourcesConfig.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = _key_path(tuple(first["loc"]), data)
        msg = first["msg"].removeprefix("Value error, ")
        fix = {
            "missing": "add the key",
            "extra_forbidden": "remove it or fix its spelling",
            "literal_error": "pick one of the allowed values",
            "string_pattern_mismatch": "use lower-case letters, digits and _",
        }.get(first["type"], "correct the value")
        raise SourcesConfigError(f"{path}: {key}: {msg} — {fix}") from None
    names = {s.name for s in config.sources}
    for i, s in enumerate(config.sources):
        unknown = [r for r in s.references if r not in names or r == s.name]
        if unknown:
            raise SourcesConfigError(
                f"{path}: sources[{i}].references: {unknown} are not other sources of this file"
                f" — use some of {sorted(names - {s.name})}"
            )
    return config


def _expand_use(path: Path, index: int, entry: object) -> object:
    """`use: vendors/salesforce_contacts.yaml` merges a shipped vendor mapping under the entry's own keys."""
    if not isinstance(entry, dict) or "use" not in entry:
        return entry
    try:
        ref = vendor_file(path.parent, str(entry["use"]), f"sources[{index}].use")
    except PathOutsideRoot as exc:
        raise SourcesConfigError(f"{path}: {exc}") from None
    if not ref.exists():
        raise SourcesConfigError(
            f"{path}: sources[{index}].use: {ref} not found — point it at a file in vendors/"
        )
    try:
        base = yaml.safe_load(ref.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise SourcesConfigError(f"{ref}: not valid YAML — {' '.join(str(exc).split())}") from None
    merged = {**base, **{k: v for k, v in entry.items() if k != "use"}}
    if isinstance(base.get("columns"), dict) and isinstance(entry.get("columns"), dict):
        merged["columns"] = {**base["columns"], **entry["columns"]}
    if isinstance(base.get("values"), dict) and isinstance(entry.get("values"), dict):  # codes per column
        merged["values"] = {**base["values"], **entry["values"]}
        for column, codes in entry["values"].items():
            if isinstance(codes, dict) and isinstance(base["values"].get(column), dict):
                merged["values"][column] = {**base["values"][column], **codes}
    return merged


def load_default_sources_config(layout: DataLayout) -> SourcesConfig:
    return load_sources_config(layout.config_dir / "sources.yaml")
