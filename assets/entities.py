"""Canonical entities: the one vocabulary every source is mapped onto.

A source config maps a vendor's column names onto these canonical columns. Raw and bronze layers hold
them as verbatim strings; the silver layer (standardise) adds typed/normalised columns beside them.
PII tags drive masking, erasure and the untagged-PII check.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Pii(StrEnum):
    NAME = "name"
    EMAIL = "email"
    PHONE = "phone"
    ADDRESS = "address"
    BIRTH_DATE = "birth_date"
    SOCIAL_ID = "social_id"  # WeChat id and other messenger handles
    FREE_TEXT = "free_text"  # comments, notes: may contain anything


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = "text"  # text | date | datetime | number | integer | list
    pii: Pii | None = None
    description: str = ""


@dataclass(frozen=True)
class Entity:
    name: str
    description: str
    columns: tuple[Column, ...]
    required: tuple[str, ...] = ()  # must be present (after mapping) and non-empty
    identity: tuple[str, ...] = field(default=())  # columns that identify the person behind a row

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def pii_columns(self) -> dict[str, Pii]:
        return {c.name: c.pii for c in self.columns if c.pii is not None}


# Identity columns shared by every entity that points at a person.
_PERSON_REF = (
    Column("customer_ref", description="the person's id inside this source (CRM id, member id)"),
    Column("full_name", pii=Pii.NAME),
    Column("email", pii=Pii.EMAIL),
    Column("phone_mobile", pii=Pii.PHONE),
)

CONTACT = Entity(
    "contact",
    "A person record from a CRM or contact export.",
    (
        Column("source_record_id", description="primary key in the source system"),
        Column("full_name", pii=Pii.NAME),
        Column("given_name", pii=Pii.NAME),
        Column("family_name", pii=Pii.NAME),
        Column("email", pii=Pii.EMAIL),
        Column("email_secondary", pii=Pii.EMAIL),
        Column("phone_mobile", pii=Pii.PHONE),
        Column("phone_office", pii=Pii.PHONE),
        Column("phone_home", pii=Pii.PHONE),
        Column("phone_other", pii=Pii.PHONE),
        Column("wechat_id", pii=Pii.SOCIAL_ID),
        Column("birth_date", "date", pii=Pii.BIRTH_DATE),
        Column("gender"),
        Column("country"),
        Column("province"),
        Column("city"),
        Column("district"),
        Column("address", pii=Pii.ADDRESS),
        Column("postcode", pii=Pii.ADDRESS),
        Column("company"),
        Column("title"),
        Column("industry"),
        Column("segment", description="B2B/B2C or the CRM's customer type"),
        Column("lead_source"),
        Column("owner"),
        Column("created_at", "datetime"),
        Column("updated_at", "datetime"),
    ),
    required=("source_record_id",),
    identity=("full_name", "given_name", "family_name", "email", "phone_mobile", "phone_office"),
)

ORDER = Entity(
    "order",
    "One order line from an order/transaction sheet.",
    (
        Column("order_id"),
        Column("line_no", "integer"),
        *_PERSON_REF,
        Column("order_date", "datetime"),
        Column("product_id"),
        Column("product_name"),
        Column("product_category"),
        Column("quantity", "number"),
        Column("unit_price", "number"),
        Column("amount", "number", description="line total in `currency`"),
        Column("currency"),
        Column("payment_method"),
        Column("channel"),
        Column("status", description="completed | refunded | cancelled | pending"),
        Column("store"),
    ),
    required=("order_id", "order_date", "amount"),
    identity=("customer_ref", "full_name", "email", "phone_mobile"),
)

SURVEY_RESPONSE = Entity(
    "survey_response",
    "One answer sheet of an NPS/CSAT survey.",
    (
        Column("response_id"),
        *_PERSON_REF,
        Column("submitted_at", "datetime"),
        Column("survey_name"),
        Column("nps_score", "integer", description="0-10"),
        Column("csat_score", "integer", description="1-5"),
        Column("comment", pii=Pii.FREE_TEXT),
        Column("feedback_type", description="complaint | suggestion | praise | none"),
        Column("channel"),
        Column("product_category"),
    ),
    required=("response_id", "submitted_at"),
    identity=("customer_ref", "full_name", "email", "phone_mobile"),
)

INTERACTION = Entity(
    "interaction",
    "A call, email, chat, WeChat message or visit.",
    (
        Column("interaction_id"),
        *_PERSON_REF,
        Column("wechat_id", pii=Pii.SOCIAL_ID),
        Column("occurred_at", "datetime"),
        Column("channel", description="phone | email | chat | wechat | visit"),
        Column("direction", description="inbound | outbound"),
        Column("interaction_type", description="inquiry | complaint | suggestion | support | sales"),
        Column("subject"),
        Column("notes", pii=Pii.FREE_TEXT),
        Column("status", description="open | resolved"),
        Column("agent"),
        Column("product_category"),
        Column("duration_seconds", "integer"),
    ),
    required=("interaction_id", "occurred_at", "channel"),
    identity=("customer_ref", "full_name", "email", "phone_mobile", "wechat_id"),
)

CAMPAIGN_MEMBER = Entity(
    "campaign_member",
    "A person's participation in a promotion, exhibition, seminar or other campaign.",
    (
        Column("campaign_id"),
        Column("campaign_name"),
        Column("campaign_type", description="promotion | exhibition | seminar | webinar | email"),
        *_PERSON_REF,
        Column("company"),
        Column("joined_at", "datetime"),
        Column("member_status", description="invited | registered | attended | responded | converted"),
        Column("interests", "list", description="';'-separated interest tags"),
        Column("channel"),
    ),
    required=("campaign_id", "joined_at"),
    identity=("customer_ref", "full_name", "email", "phone_mobile"),
)

ENRICHMENT = Entity(
    "enrichment",
    "A third-party enrichment record about a person.",
    (
        Column("source_record_id"),
        Column("full_name", pii=Pii.NAME),
        Column("email", pii=Pii.EMAIL),
        Column("email_secondary", pii=Pii.EMAIL),  # a feed's other mailboxes (work, old): several per cell
        Column("phone_mobile", pii=Pii.PHONE),
        Column("wechat_id", pii=Pii.SOCIAL_ID),
        Column("birth_date", "date", pii=Pii.BIRTH_DATE),
        Column("gender"),
        Column("country"),
        Column("province"),
        Column("city"),
        Column("company"),
        Column("title"),
        Column("industry"),
        Column("income_band"),
        Column("interests", "list", description="';'-separated interest tags"),
        Column("updated_at", "datetime"),
    ),
    required=("source_record_id",),
    identity=("full_name", "email", "email_secondary", "phone_mobile", "wechat_id"),
)

ENTITIES: dict[str, Entity] = {
    e.name: e for e in (CONTACT, ORDER, SURVEY_RESPONSE, INTERACTION, CAMPAIGN_MEMBER, ENRICHMENT)
}

# Lineage columns every raw/bronze/silver row carries.
LINEAGE_COLUMNS = ("_source", "_file", "_line", "_loaded_at", "_file_sha256", "_run_date", "_extra")
