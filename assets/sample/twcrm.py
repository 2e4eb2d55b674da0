"""The sample's Taiwan branch CRM: a contact export in Big5 with traditional headers. The name comes twice,
中文姓名 and 英文姓名, both mapped to full_name (config/sources.yaml: the Chinese one wins, the English one fills the
rows without it); birth dates now and then in the Republic of China calendar (民國85年6月30日 = 1996-06-30); the
family's home landline in 市話.

It holds most Taiwanese customers and a few from Hong Kong, and draws from its own random stream (derived from
the seed), so every other file of a seed stays as it was.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import numpy as np

from assets.sample.variants import crm_mailbox, email, phone, pick

FILE = "twcrm/客戶資料_20260301.csv"
HEADER = [
    "客戶編號",
    "中文姓名",
    "英文姓名",
    "性別",
    "行動電話",
    "市話",
    "電子郵件",
    "生日",
    "縣市",
    "公司名稱",
    "建立日期",
]
SHARE = {"TW": 0.8, "HK": 0.1}
# the mainland employers as the branch writes them (Big5 has no simplified characters)
TRADITIONAL_COMPANIES = {"华为技术有限公司": "華為技術有限公司", "阿里巴巴集团": "阿里巴巴集團", "腾讯科技有限公司": "騰訊科技有限公司",
                         "京东集团": "京東集團", "美的集团": "美的集團", "海尔集团": "海爾集團"}  # fmt: skip


def roc_date(iso: str, rng: np.random.Generator) -> str:
    """A date in the Republic of China calendar (year 1 = 1912), as Taiwanese forms write it."""
    day = dt.date.fromisoformat(iso)
    year = day.year - 1911
    return pick(
        rng,
        [f"民國{year}年{day.month}月{day.day}日", f"民國{year}/{day.month:02d}/{day.day:02d}"],
        [0.7, 0.3],
    )


def english_name(p, rng: np.random.Generator) -> str:
    """英文姓名 as Taiwanese and Hong Kong clerks type it: the passport's spelling, family first or last, the
    English name beside it."""
    family, given = p.family_latin, p.given_latin
    forms = [f"{family} {given}", f"{family.upper()}, {given.upper()}", f"{given} {family}"]
    if p.alias:
        forms += [f"{p.alias} {family}", f"{family} {given} ({p.alias})"]
    return pick(rng, forms)


def write_twcrm(people, out: Path, truth, rng: np.random.Generator) -> int:
    """Write the export for the Taiwanese (~80%) and Hong Kong (~10%) people; return its row count."""
    picks = [i for i, roll in enumerate(rng.random(len(people))) if roll < SHARE.get(people[i].country, 0.0)]
    ids = 10**6 + rng.choice(9 * 10**6, size=len(picks), replace=False)
    rows = []
    for i, number in zip(picks, ids, strict=True):
        p = people[i]
        rid = f"TW{number}"
        chinese = p.family_trad + p.given_trad if rng.random() < 0.88 else ""  # else the English name only
        birth = ""
        if rng.random() < 0.75:
            birth = roc_date(p.birth_date, rng) if rng.random() < 0.35 else p.birth_date.replace("-", "/")
        rows.append([rid, chinese, english_name(p, rng), "男" if p.gender == "M" else "女",
                     phone(p.mobile, rng) if rng.random() < 0.9 else "",
                     phone(p.home_phone, rng) if p.home_phone and rng.random() < 0.8 else "",
                     email(crm_mailbox(p, rng), rng) if rng.random() < 0.85 else "", birth, p.city,
                     TRADITIONAL_COMPANIES.get(p.company, p.company),
                     (dt.date(2023, 1, 1) + dt.timedelta(days=int(rng.integers(0, 900)))).strftime("%Y/%m/%d")])  # fmt: skip
        truth.add("twcrm", rid, p.true_customer_id)
    path = out / FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="big5hkscs", newline="") as fh:
        csv.writer(fh, lineterminator="\r\n").writerows([HEADER, *rows])
    return len(rows)
