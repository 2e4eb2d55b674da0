"""config/delivery.yaml: delivery targets and masking policies, validated by pydantic.

Errors name the file, the key and the fix. Secrets never live here: a target names the environment variable
that holds its DSN; S3 credentials come from boto3's usual variables.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)

from assets.entities import Pii
from assets.layout import REPO_ROOT
from assets.privacy.masking import Action

DEFAULT_POLICY = "analyst"
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class DeliveryConfigError(ValueError):
    pass


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _PolicyBase(_Strict):
    # Aggregate cells counted from fewer people are suppressed (measures nulled, `suppressed` true); None: off.
    min_cell_size: int | None = None

    @field_validator("min_cell_size", mode="before")
    @classmethod
    def _cell_size(cls, value: object) -> object:
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 2):
            raise ValueError(
                "min_cell_size must be a whole number of people >= 2 (e.g. 5), or left out for no suppression"
            )
        return value

    def actions(self) -> dict[Pii, Action]:
        """The action per PII tag, every tag left out dropped (fail closed)."""
        return {tag: getattr(self, tag.value) or Action.DROPPED for tag in Pii}


# One policy: `<pii tag>: <action>` for each tag it lets out, plus `min_cell_size`. Fields are generated from
# the Pii vocabulary so an unknown tag is refused by name.
Policy = create_model("Policy", __base__=_PolicyBase, **{tag.value: (Action | None, None) for tag in Pii})


class _TargetBase(_Strict):
    name: str
    tables: list[str] = Field(min_length=1)
    policy: str = DEFAULT_POLICY
    enabled: bool = True

    @field_validator("name", "tables")
    @classmethod
    def _identifiers(cls, value: str | list[str]) -> str | list[str]:
        for item in [value] if isinstance(value, str) else value:
            if not _IDENT.match(item):
                raise ValueError(f"'{item}' is not a plain identifier (letters, digits, _)")
        return value


class ParquetTarget(_TargetBase):
    kind: Literal["parquet"]
    path: str = "exports"  # relative paths are under C360_DATA_DIR
    # A folder outside the data directory that `path` may point into (else C360_DELIVERY_ROOT; else none).
    root: str | None = None
    format: Literal["parquet", "csv", "xlsx"] = "parquet"

    @model_validator(mode="after")
    def _confined(self) -> ParquetTarget:
        """Statically refused: a relative path climbing out, an absolute one with no root allowing it."""
        from assets.ingest.confine import DELIVERY_ROOT_ENV, delivery_root, inside

        path = Path(self.path).expanduser()
        if not path.is_absolute() and ".." in path.parts:
            raise ValueError(f"path {self.path!r} climbs out of the data directory with '..'")
        root = delivery_root(self.root)
        if path.is_absolute() and not (root and inside(path, root)):
            raise ValueError(
                f"path {self.path!r} is absolute and outside "
                + (
                    f"the delivery root {root}"
                    if root
                    else f"any delivery root (set `root:` or {DELIVERY_ROOT_ENV})"
                )
            )
        return self


class S3Target(_TargetBase):
    kind: Literal["s3"]
    bucket: str
    prefix: str = ""
    format: Literal["parquet", "csv"] = "parquet"
    endpoint_url_env: str = "AWS_ENDPOINT_URL"

    @field_validator("prefix")
    @classmethod
    def _confined_prefix(cls, value: str) -> str:
        from assets.ingest.confine import escapes

        why = escapes(value)
        if why and not value.startswith("/"):  # a leading '/' is harmless in a key prefix; '..' is not
            raise ValueError(f"prefix {value!r} {why}")
        if ".." in value.split("/"):
            raise ValueError(f"prefix {value!r} climbs out with '..'")
        return value


class RoleGrant(_Strict):
    """A PostgreSQL role that may read this target's tables, optionally only some customers' rows.

    `customers: {country: [CN]}` keeps the rows of customers whose dim_customer.country is CN: a row-level
    security policy on every table with that column or with customer_id; tables with neither (aggregates)
    are not granted to the role. Values are literals and columns identifiers, never SQL text.
    """

    name: str
    customers: dict[str, list[str]] | None = None

    @field_validator("name")
    @classmethod
    def _role(cls, value: str) -> str:
        if not _IDENT.match(value):
            raise ValueError(f"'{value}' is not a plain identifier (letters, digits, _)")
        return value.lower()

    @field_validator("customers")
    @classmethod
    def _filter(cls, value: dict[str, list[str]] | None) -> dict[str, list[str]] | None:
        for column, values in (value or {}).items():
            if not _IDENT.match(column) or not values:
                raise ValueError(
                    f"customers: '{column}' must be a column name with a non-empty list of values"
                )
        return value


class PostgresTarget(_TargetBase):
    kind: Literal["postgres"]
    dsn_env: str = "C360_PG_DSN"
    schema_name: str = Field("customer360", alias="schema")
    # Give up the table swap (keeping the old table) rather than queue forever behind a reader's lock.
    lock_timeout_seconds: int = Field(30, gt=0)
    # Roles granted read access on every delivery (created NOLOGIN when missing; a DBA grants them to users).
    roles: list[RoleGrant] = Field(default_factory=list)

    @model_validator(mode="after")
    def _filtered_roles_need_customers(self) -> PostgresTarget:
        filtered = [r.name for r in self.roles if r.customers]
        if filtered and "dim_customer" not in self.tables:
            raise ValueError(f"roles {filtered} keep some customers' rows: add dim_customer to tables")
        return self

    @field_validator("schema_name")
    @classmethod
    def _schema(cls, value: str) -> str:
        if not _IDENT.match(value):
            raise ValueError(f"'{value}' is not a plain identifier")
        return value


Target = Annotated[ParquetTarget | S3Target | PostgresTarget, Field(discriminator="kind")]


class DeliveryConfig(_Strict):
    dbt_manifest: str = "dbt_project/target/manifest.json"  # relative to the repo root
    policies: dict[str, Policy]  # type: ignore[valid-type]
    targets: list[Target] = Field(default_factory=list)
    # `table.column` pairs reviewed and known not to be personal data despite a PII-looking name or content.
    not_pii: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> DeliveryConfig:
        if DEFAULT_POLICY not in self.policies:
            raise ValueError(f"policies: the default policy '{DEFAULT_POLICY}' must be defined")
        clear = [t.value for t, a in self.policy(DEFAULT_POLICY).items() if a == Action.FULL]
        if clear:
            raise ValueError(
                f"policies.{DEFAULT_POLICY}: the analyst default must hold no clear-text PII, but {clear} are 'full'"
            )
        names = [t.name for t in self.targets]
        if len(names) != len(set(names)):
            raise ValueError(f"targets: names must be unique, got {names}")
        for target in self.targets:
            if target.policy not in self.policies:
                raise ValueError(
                    f"targets.{target.name}.policy: '{target.policy}' is not defined under policies ({sorted(self.policies)})"
                )
        return self

    def policy(self, name: str) -> dict[Pii, Action]:
        """The policy with every tag it leaves out set to dropped (fail closed)."""
        return self.policies[name].actions()

    def min_cell_size(self, name: str) -> int | None:
        """The policy's small-cell threshold for aggregate marts (None: cells are not suppressed)."""
        return self.policies[name].min_cell_size

    def target(self, name: str) -> ParquetTarget | S3Target | PostgresTarget:
        for target in self.targets:
            if target.name == name:
                return target
        raise KeyError(f"no delivery target named '{name}'")

    def manifest_path(self) -> Path:
        path = Path(self.dbt_manifest)
        return path if path.is_absolute() else REPO_ROOT / path


def _loc(loc: tuple) -> str:
    return ".".join(str(p) for p in loc if not str(p).startswith(("function-after", "tagged-union")))


def load_delivery_config(path: Path) -> DeliveryConfig:
    """Read and validate delivery.yaml; raise DeliveryConfigError naming file, key and fix."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except FileNotFoundError as exc:
        raise DeliveryConfigError(
            f"{path}: not found; fix: create it (see config/delivery.yaml in the repo)"
        ) from exc
    except yaml.YAMLError as exc:
        raise DeliveryConfigError(
            f"{path}: not valid YAML ({' '.join(str(exc).split())}); fix the syntax"
        ) from exc
    try:
        return DeliveryConfig.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"key '{_loc(e['loc']) or '<top>'}': {e['msg']}"
            + (
                f" (got {e['input']!r})"
                if e["type"] != "missing" and not isinstance(e["input"], dict)
                else ""
            )
            for e in exc.errors()
        )
        raise DeliveryConfigError(
            f"{path}: {problems}; fix: correct those keys (kinds: parquet|s3|postgres; actions: "
            f"{[a.value for a in Action]}; PII tags: {[p.value for p in Pii]}; min_cell_size: a number >= 2)"
        ) from exc
