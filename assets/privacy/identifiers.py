"""Normalising and keyed hashing of personal identifiers: one place, so tombstones, hashed exports
and erasure matching all agree on the same digest for the same person.

Emails and phones are normalised exactly as linkage matches them (`linkage.standardise`); a value linkage
rejects (malformed, placeholder) falls back to its folded text, so it can still be found and erased.
"""

from __future__ import annotations

import hashlib
import hmac
import re

import pandas as pd

from assets.entities import Pii
from linkage.standardise import fold_text, normalise_email, normalise_phone

HMAC_KEY_ENV = "C360_HMAC_KEY"
_E164 = r"\+[1-9]\d{6,14}"


def hmac_key() -> bytes | None:
    """The keyed-hash secret of the `EncryptionKeys` resource (C360_HMAC_KEY; never from code or config), or
    None when unset."""
    from assets.secrets import EncryptionKeys, active

    key = active(EncryptionKeys).hmac_key
    return key.encode() if key else None


def require_hmac_key() -> bytes:
    key = hmac_key()
    if key is None:
        raise RuntimeError(
            f"{HMAC_KEY_ENV} is not set: a 'hashed' masking policy needs a secret key; "
            f"fix: export {HMAC_KEY_ENV}=<long random string> (e.g. `openssl rand -hex 32`)"
        )
    return key


def hash_scheme(key: bytes | None) -> str:
    """Label of the digest in use, stored beside tombstones. The fingerprint names the key, never reveals it."""
    if key is None:
        return "sha256"
    return "hmac-sha256:" + hashlib.sha256(b"c360-key-fingerprint\x00" + key).hexdigest()[:12]


def digest(value: str, key: bytes | None) -> str:
    """HMAC-SHA256 (or plain SHA-256 without a key) of an already normalised identifier, as hex."""
    data = value.encode()
    if key is None:
        return hashlib.sha256(data).hexdigest()
    return hmac.digest(key, data, "sha256").hex()  # OpenSSL one-shot: ~5x faster than hmac.new


def _fallback(value: str, tag: Pii) -> str | None:
    folded = fold_text(value)
    if tag == Pii.PHONE:
        folded = re.sub(r"\D", "", folded)
    return folded or None


def normalise_series(values: pd.Series, tag: Pii) -> pd.Series:
    """Canonical form of each identifier of kind `tag` (object dtype, None for blanks)."""
    text = values.astype("string")
    if tag == Pii.EMAIL:
        canonical = normalise_email(text)
    elif tag == Pii.PHONE:
        # Marts and silver already hold E.164: keep it as is and parse only the rest (libphonenumber is slow).
        e164 = text.str.fullmatch(_E164).fillna(False).astype(bool)
        canonical = text.where(e164)
        if (~e164).any():
            canonical[~e164] = normalise_phone(text[~e164])
    else:
        canonical = pd.Series(pd.NA, index=text.index, dtype="string")
    missing = canonical.isna() & text.notna()
    fallback = {v: _fallback(v, tag) for v in pd.unique(text[missing].to_numpy())}
    out = canonical.astype(object).where(canonical.notna(), None)
    out[missing] = text[missing].map(fallback)
    return out.where(out.notna(), None)


def canonical_identifier(value: str, tag: Pii) -> str | None:
    """The linkage-canonical form of one email/phone, None when linkage sees it as malformed or a placeholder."""
    series = normalise_email if tag == Pii.EMAIL else normalise_phone
    out = series(pd.Series([value], dtype="string")).iloc[0]
    return None if pd.isna(out) else str(out)


def hash_values(values, tag: Pii | None, key: bytes | None) -> dict[object, str | None]:
    """{value: digest} for distinct values; `tag` None hashes the stripped text (ids, source keys)."""
    uniques = list(dict.fromkeys(values))
    if tag is None:
        return {v: digest(str(v).strip(), key) for v in uniques}
    norms = normalise_series(pd.Series([str(v) for v in uniques], dtype=object), tag).tolist()
    return {v: (None if n is None else digest(n, key)) for v, n in zip(uniques, norms, strict=True)}


def hash_series(series: pd.Series, tag: Pii, key: bytes | None) -> pd.Series:
    """Keyed hash of a column, each distinct value once; blanks stay null."""
    lookup = hash_values(series.dropna().unique(), tag, key)
    out = series.map(lookup)
    return out.astype(object).where(out.notna(), None)
