"""Validation rules of sources.yaml (`rules:`, `extra_rules:`, `amount_check:`) and the defaults per entity.

A source's rules are merged over its entity's defaults key by key, so `rules: {joined_at: {unless: …}}` keeps
the default `required`. Checked by assets/validate/rules.py; every failing row is quarantined with a reason.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

_RELATIVE_DAY = re.compile(r"^today(?:\s*([+-])\s*(\d+)\s*d(?:ays?)?)?$")


class ColumnRule(BaseModel):
    """Checks on one column (a canonical column, or an unmapped header kept in `_extra`)."""

    model_config = ConfigDict(extra="forbid")

    required: bool | None = None  # None: the entity's default
    unless: dict[str, list[str]] = Field(default_factory=dict)  # may be empty where <column> is one of these
    format: Literal["email", "phone", "date", "number", "integer"] | None = None
    min: float | str | None = None  # a number, or for dates YYYY-MM-DD / `today` / `today-30d`
    max: float | str | None = None
    greater_than: float | None = None  # strictly above (quantity > 0)
    max_length: int | None = Field(default=None, ge=1)
    allowed: list[str] | None = None  # allowed values (compared ignoring case and surrounding spaces)

    @field_validator("min", "max")
    @classmethod
    def _bound(cls, value: float | str | None) -> float | str | None:
        if isinstance(value, str):
            date_bound(value)  # refuses what is neither a date nor `today±Nd`
        return value


class AmountCheck(BaseModel):
    """amount ≈ quantity × unit_price, within `tolerance` (absolute, in the order's currency)."""

    model_config = ConfigDict(extra="forbid")

    tolerance: float = Field(default=0.01, ge=0)


def date_bound(value: str, today: dt.date | None = None) -> dt.date:
    """`2020-01-01`, `today`, `today+1d`, `today-30d` as a date."""
    text = value.strip().lower()
    m = _RELATIVE_DAY.match(text)
    if m:
        base = today or dt.date.today()
        days = int(m.group(2) or 0) * (-1 if m.group(1) == "-" else 1)
        return base + dt.timedelta(days=days)
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"{value!r} is not a date bound; use YYYY-MM-DD, today, today+Nd or today-Nd"
        ) from None


# Entity defaults: what a data engineer expects without writing anything.
DEFAULT_RULES: dict[str, dict[str, ColumnRule]] = {
    "order": {
        "quantity": ColumnRule(greater_than=0),
        "order_date": ColumnRule(max="today"),  # an order cannot be placed after the day it is loaded
    },
    "campaign_member": {
        # invited people have not joined yet: their empty joined_at is not an error
        "joined_at": ColumnRule(unless={"member_status": ["invited"]}),
    },
}
DEFAULT_AMOUNT_CHECK: dict[str, AmountCheck] = {"order": AmountCheck()}


def merged_rules(entity: str, own: dict[str, ColumnRule]) -> dict[str, ColumnRule]:
    """The entity's default rules with the source's own keys written over them, column by column."""
    out = dict(DEFAULT_RULES.get(entity, {}))
    for column, rule in own.items():
        base = out.get(column)
        out[column] = base.model_copy(update=rule.model_dump(exclude_unset=True)) if base else rule
    return out
