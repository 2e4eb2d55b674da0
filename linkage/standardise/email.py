"""E-mail addresses as a matching key: NFKC, case, whitespace, gmail dots, +tags, placeholders."""

from __future__ import annotations

import re

import pandas as pd

from linkage.standardise._unique import map_unique, remembered
from linkage.standardise.text import fold_text

_VALID = re.compile(r"^[a-z0-9!#$%&'*/=?^_`{|}~+.\-]+@[a-z0-9\-]+(\.[a-z0-9\-]+)*\.[a-z]{2,}$")
_GMAIL = {"gmail.com", "googlemail.com"}
# Local parts and domains that stand for "no address".
JUNK_LOCAL = frozenset(
    {"test", "none", "noemail", "no-email", "noreply", "no-reply", "null", "na", "n/a", "xxx"}
)
JUNK_DOMAINS = frozenset(
    {"test.com", "example.com", "example.org", "example.net", "email.com", "none.com", "xxx.com", "qq.qq"}
)
# Typing slips in the domains people use most.
DOMAIN_TYPOS = {
    "gmial.com": "gmail.com", "gmai.com": "gmail.com", "gamil.com": "gmail.com", "gmail.co": "gmail.com",
    "hotmial.com": "hotmail.com", "hotmai.com": "hotmail.com", "outlok.com": "outlook.com",
    "yahooo.com": "yahoo.com", "yaho.com": "yahoo.com", "qq.co": "qq.com", "163.co": "163.com",
}  # fmt: skip
_TLD_TYPOS = {"con": "com", "cmo": "com", "comm": "com", "ocm": "com", "vom": "com", "xom": "com"}
# An address as a mail client copies it, 'Zhang San <zs@qq.com>', and a note typed after one, 'zs@qq.com (personal)'.
_ANGLE_ADDRESS = re.compile(r"<([^<>\s]*@[^<>\s]*)>")
_TRAILING_NOTE = re.compile(r"(?<=[a-z])\s*\([^()@]*\)$")
JUNK_EMAILS = frozenset({"a@a.com", "abc@abc.com", "123@qq.com", "123456@qq.com", "test@qq.com"})
# Consumer mailbox providers, by a label of the domain ('yahoo' in yahoo.com.hk, 'hinet' in msa.hinet.net) or the
# whole domain: an address there is someone's private mailbox; at any other domain, usually an employer's.
CONSUMER_MAIL_LABELS = frozenset(
    {"gmail", "googlemail", "yahoo", "ymail", "hotmail", "outlook", "live", "msn", "icloud", "aol", "gmx",
     "protonmail", "proton", "yandex", "qq", "foxmail", "163", "126", "yeah", "sina", "sohu", "aliyun", "139",
     "189", "21cn", "naver", "daum", "hanmail", "nate", "netvigator", "hinet", "pchome", "seed", "singnet",
     "docomo", "ezweb", "softbank", "rediffmail", "libero", "laposte", "comcast", "sbcglobal", "bigpond",
     "btinternet"}
)  # fmt: skip
CONSUMER_MAIL_DOMAINS = frozenset(
    {"me.com", "mac.com", "mail.com", "mail.ru", "web.de", "free.fr", "tom.com"}
)


@remembered
def canonical_email(value: str) -> str | None:
    text = fold_text(value)
    angle = _ANGLE_ADDRESS.search(text)
    text = angle.group(1) if angle else _TRAILING_NOTE.sub("", text)
    text = text.replace("。", ".").replace("mailto:", "").replace(" ", "").strip("<>\"'.,;()")
    text = text.replace("＠", "@")
    if not _VALID.match(text):
        return None
    local, domain = text.rsplit("@", 1)
    head, _, tld = domain.rpartition(".")
    domain = DOMAIN_TYPOS.get(domain, f"{head}.{_TLD_TYPOS.get(tld, tld)}")
    domain = DOMAIN_TYPOS.get(domain, domain)
    local = local.split("+", 1)[0]  # sub-address tags (RFC 5233): jo+news@x.com is jo@x.com
    if domain in _GMAIL:
        domain = "gmail.com"
        local = local.replace(".", "")
    if not local or local in JUNK_LOCAL or domain in JUNK_DOMAINS:
        return None
    email = f"{local}@{domain}"
    return None if email in JUNK_EMAILS else email


def is_consumer_mailbox(email: str) -> bool:
    """Whether a (canonical) address is at a consumer mailbox provider: 'wei@qq.com', 'amy@yahoo.com.hk'."""
    domain = email.rpartition("@")[2]
    return domain in CONSUMER_MAIL_DOMAINS or not CONSUMER_MAIL_LABELS.isdisjoint(domain.split(".")[:-1])


def normalise_email(s: pd.Series) -> pd.Series:
    """Matching form of each address, <NA> when missing, malformed or a placeholder."""
    return map_unique(s, canonical_email)


def split_multi(value: str) -> list[str]:
    """One cell holding several values: '138..., 139...', 'a@x.com; b@y.com', '138…／139…'."""
    return [p for p in re.split(r"[;,，；、/／|\n]+", value) if p.strip()]
