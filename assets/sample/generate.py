"""Write a messy multi-source sample delivery about one set of true customers, plus the truth to score it by."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd

from assets.sample.hubspot import write_hubspot
from assets.sample.people import INTERESTS, make_customers
from assets.sample.twcrm import write_twcrm
from assets.sample.variants import (
    contact_phone,
    crm_mailbox,
    crm_name,
    email,
    full_name,
    latin_name,
    phone,
    pick,
)
from assets.sample.xlsx import write_xlsx

PRODUCTS = [
    ("P100", "智能音箱 Smart Speaker", "electronics", 399.0), ("P101", "扫地机器人 Robot Vacuum", "home", 1999.0),
    ("P102", "无线耳机 Earbuds", "electronics", 699.0), ("P103", "护肤套装 Skincare Set", "beauty", 459.0),
    ("P104", "登山包 Hiking Pack", "outdoor", 329.0), ("P105", "婴儿推车 Stroller", "baby", 2399.0),
    ("P106", "咖啡机 Coffee Machine", "home", 1299.0), ("P107", "运动手表 Sports Watch", "electronics", 1599.0),
]  # fmt: skip
_RID_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
CHANNELS = ["tmall", "jd", "wechat_mall", "offline_store", "website"]
PAYMENTS = ["alipay", "wechat_pay", "credit_card", "unionpay", "paypal"]
COMMENTS = ["很满意，物流很快", "客服态度不错", "质量一般, 有点失望", 'Great product, "highly" recommend',
            "Delivery was late;\nthe box was damaged", "价格偏高", "", "Will buy again!", "安装师傅很专业",
            "{{ not jinja }} and '; drop table x; --"]  # fmt: skip


def _ids(prefix: str, n: int, rng: np.random.Generator, width: int = 6) -> list[str]:
    nums = 10**width // 10 + rng.choice(10**width - 10**width // 10, size=n, replace=False)
    return [f"{prefix}{v:0{width}d}" for v in nums]


def _members(n: int, share: float, rng: np.random.Generator) -> np.ndarray:
    return np.flatnonzero(rng.random(n) < share)


def _write_csv(path: Path, header: list[str], rows: list[list], encoding: str, newline: str = "\n") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh, lineterminator=newline)
        w.writerow(header)
        w.writerows(rows)


def _when(base: str, rng: np.random.Generator, days: int = 700) -> dt.datetime:
    return dt.datetime.fromisoformat(base) + dt.timedelta(minutes=int(rng.integers(0, days * 24 * 60)))


class _Truth:
    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], str] = {}

    def add(self, source: str, record_id: str, customer: str, valid: bool = True) -> None:
        if valid and record_id:
            self.rows[(source, record_id)] = customer

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [(s, r, c) for (s, r), c in self.rows.items()],
            columns=["source", "source_record_id", "true_customer_id"],
        )


def _crm_picks(
    people: pd.DataFrame, rng: np.random.Generator, hanzi_share: float, latin_share: float
) -> list[int]:
    """Customers a CRM holds; ~5% twice under two record ids (duplicates inside one CRM)."""
    share = np.array([hanzi_share if p.name_script == "hanzi" else latin_share for p in people])
    picked = list(np.flatnonzero(rng.random(len(people)) < share))
    picked += list(rng.choice(picked, size=max(1, len(picked) // 20), replace=False)) if picked else []
    return sorted(picked)


def _crm_ref(crm: dict[str, list[tuple[str, str]]], p, rid: str, source: str, valid: bool) -> None:
    """Remember a customer's CRM record ids: other systems (the order workbook) refer to them."""
    if valid and rid:
        crm.setdefault(p.true_customer_id, []).append((source, rid))


def _salesforce(people, rng, out: Path, truth: _Truth, crm: dict) -> int:
    picks = _crm_picks(people, rng, 0.25, 0.55)
    ids = [f"0035g{v:010d}AAA" for v in 10**9 + rng.choice(9 * 10**9, size=len(picks), replace=False)]
    rows = []
    for k, (i, rid) in enumerate(zip(picks, ids, strict=True)):
        p = people[i]
        first, last = crm_name(p, rng)
        created = _when("2022-01-01", rng)
        row = [rid, "Mr." if p.gender == "M" else "Ms.", first, last, p.title, p.company,
               email(p.shared_email if p.shared_email and rng.random() < 0.5 else crm_mailbox(p, rng), rng),
               phone(p.office_phone, rng, p.office_ext), phone(p.mobile, rng), p.address, p.city_latin, p.province,
               f"{100000 + i % 900000}", p.country, p.birth_date if rng.random() < 0.7 else "",
               ["Web", "Trade Show", "Referral", "Partner"][k % 4], "Li Ming",
               created.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
               phone(p.home_phone, rng) if p.home_phone and rng.random() < 0.6 else ""]  # fmt: skip
        valid = True
        if k == 3:
            row[4] = "=1+2"  # formula-looking title: must stay text
        if k == 5:
            row[13] = "NA"  # Namibia, not a missing value
            row[11] = "Null"
        if k == 7:
            row[0], valid = "", False  # missing id: quarantined
        truth.add("salesforce", row[0], p.true_customer_id, valid)
        _crm_ref(crm, p, row[0], "salesforce", valid)
        rows.append(row)
    # A second export of the same org made through the API (Data Loader, Workbench): API field names.
    api = [r for k, r in enumerate(rows) if k % 3 == 1]
    rows = [r for k, r in enumerate(rows) if k % 3 != 1]
    api_header = ["Id", "Salutation", "FirstName", "LastName", "Title", "Account.Name", "Email", "Phone",
                  "MobilePhone", "MailingStreet", "MailingCity", "MailingState", "MailingPostalCode",
                  "MailingCountry", "Birthdate", "LeadSource", "OwnerId", "CreatedDate", "HomePhone"]  # fmt: skip
    _write_csv(out / "salesforce" / "contacts_api_export.csv", api_header, api, "utf-8", "\n")
    header = ["Contact ID", "Salutation", "First Name", "Last Name", "Title", "Account Name", "Email", "Phone",
              "Mobile", "Mailing Street", "Mailing City", "Mailing State/Province", "Mailing Zip/Postal Code",
              "Mailing Country", "Birthdate", "Lead Source", "Contact Owner", "Created Date", "Home Phone"]  # fmt: skip
    _write_csv(out / "salesforce" / "Contacts_Export.csv", header, rows, "utf-8", "\r\n")
    return len(rows) + len(api)


def _zoho(people, rng, out: Path, truth: _Truth, crm: dict) -> int:
    picks = _crm_picks(people, rng, 0.25, 0.35)
    ids = _ids("zcrm_48768760000", len(picks), rng, 8)
    rows = []
    for k, (i, rid) in enumerate(zip(picks, ids, strict=True)):
        p = people[i]
        first, last = crm_name(p, rng)
        birth = dt.date.fromisoformat(p.birth_date)
        created = _when("2022-03-01", rng)
        row = [rid, "Li Ming", first, last, email(crm_mailbox(p, rng), rng), "", phone(p.office_phone, rng, p.office_ext),
               phone(p.mobile, rng), p.title, p.company, p.address, p.city_latin, p.province, "",
               {"CN": "China", "HK": "Hong Kong"}.get(p.country, p.country),
               birth.strftime("%m/%d/%Y") if rng.random() < 0.6 else "", created.strftime("%m/%d/%Y %I:%M %p"),
               ["Online Store", "Seminar", "Cold Call"][k % 3], ["Gold", "Silver", "Bronze"][k % 3],
               p.wechat_id]  # fmt: skip
        valid = True
        if k == 4:
            row[16], valid = "13/45/2024 25:61 PM", False  # unparseable date
        truth.add("zoho", rid, p.true_customer_id, valid)
        _crm_ref(crm, p, rid, "zoho", valid)
        rows.append(row)
    header = ["Record Id", "Contact Owner", "First Name", "Last Name", "Email", "Secondary Email", "Phone",
              "Mobile", "Title", "Account Name", "Mailing Street", "Mailing City", "Mailing State", "Mailing Zip",
              "Mailing Country", "Date of Birth", "Created Time", "Lead Source", "Customer Tier", "WeChat ID"]  # fmt: skip
    _write_csv(out / "zoho" / "Contacts_2026_03.csv", header, rows, "utf-8-sig", "\n")
    return len(rows)


def _fxiaoke(people, rng, out: Path, truth: _Truth, crm: dict) -> int:
    hanzi = [p for p in people if p.name_script == "hanzi"]
    chinese = hanzi
    picks = _crm_picks(hanzi, rng, 0.55, 0.0)
    ids = _ids("KH2024", len(picks), rng)
    rows = []
    for k, (i, rid) in enumerate(zip(picks, ids, strict=True)):
        p = chinese[i]
        birth = dt.date.fromisoformat(p.birth_date)
        bday = [birth.strftime("%Y/%m/%d"), f"{birth.year}年{birth.month}月{birth.day}日", ""][k % 3]
        row = [rid, full_name(p, rng, hanzi_first=True), "男" if p.gender == "M" else "女", phone(p.mobile, rng),
               phone(p.office_phone, rng, p.office_ext), email(p.email, rng), p.wechat_id, p.province, p.city, p.address,
               p.company, p.title, bday, _when("2022-06-01", rng).strftime("%Y-%m-%d %H:%M"), "王经理",
               ["重要客户", "普通客户", "潜在客户"][k % 3]]  # fmt: skip
        valid = True
        if k == 2:
            row[12], valid = "1990-02-30", False  # no such day
        truth.add("fxiaoke", rid, p.true_customer_id, valid)
        _crm_ref(crm, p, rid, "fxiaoke", valid)
        rows.append(row)
    header = ["客户编号", "客户名称", "性别", "手机", "电话", "邮箱", "微信", "省份", "城市", "地址", "公司", "职位",
              "生日", "创建时间", "负责人", "客户级别"]  # fmt: skip
    _write_csv(out / "fxiaoke" / "客户导出_纷享销客.csv", header, rows, "gbk", "\r\n")
    return len(rows)


def _crm_written(source: str, rid: str, rng: np.random.Generator) -> str:
    """A CRM record id as another system stores it: Salesforce's 15-character form beside the 18-character
    one, Zoho's bare number without the export's zcrm_ prefix."""
    if source == "salesforce" and rng.random() < 0.25:
        return rid[:15]
    if source == "zoho" and rng.random() < 0.5:
        return rid.removeprefix("zcrm_")
    return rid


def _orders(
    people, rng, out: Path, truth: _Truth, members: dict[int, str], crm: dict
) -> tuple[int, pd.DataFrame]:
    sheet: list[list[object]] = []
    header = ["order_id", "line_no", "customer_ref", "buyer_name", "buyer_phone", "buyer_email", "order_date",
              "product_id", "product_name", "category", "qty", "unit_price", "amount", "currency",
              "payment_method", "channel", "status", "store"]  # fmt: skip
    sheet.append(header)
    truth_rows, n, order_no = [], 0, 0
    buyers = [i for i in members if rng.random() < 0.85]
    for i in buyers:
        p = people[i]
        # The shop's ERP knows a CRM customer by the CRM's record id only: no name, phone or e-mail.
        by_crm = p.true_customer_id in crm and rng.random() < 0.5
        if by_crm:
            source, rid = crm[p.true_customer_id][int(rng.integers(0, len(crm[p.true_customer_id])))]
            ref = _crm_written(source, rid, rng)
        for _ in range(int(rng.integers(1, 6))):
            order_no += 1
            oid = f"SO{2024000000 + order_no * 7}"
            when = _when("2023-01-01", rng, 900)
            currency = "HKD" if p.country == "HK" else ("USD" if rng.random() < 0.06 else "CNY")
            status = str(
                pick(rng, ["completed", "refunded", "cancelled", "pending"], [0.85, 0.07, 0.05, 0.03])
            )
            name, tel, mail = full_name(p, rng), contact_phone(p, rng), email(p.email, rng)
            if by_crm:
                name, tel, mail = "", "", ""
            for line in range(1, int(rng.integers(1, 4)) + 1):
                pid, pname, cat, price = PRODUCTS[int(rng.integers(0, len(PRODUCTS)))]
                qty = int(rng.integers(1, 4))
                price = round(price / (7.2 if currency == "USD" else 0.92 if currency == "HKD" else 1), 2)
                amount = round(qty * price, 2)
                r = rng.random()
                date_cell: object = when  # a date-formatted cell
                if 0.85 <= r < 0.95:
                    date_cell = (when - dt.datetime(1899, 12, 30)).days  # a bare serial number
                elif r >= 0.95:
                    date_cell = when.strftime("%Y/%m/%d %H:%M")  # text typed into the cell
                row = [oid, line, ref if by_crm else members[i], name, tel, mail, date_cell, pid, pname, cat, qty, price, amount,
                       currency, pick(rng, PAYMENTS), pick(rng, CHANNELS), status,
                       ["上海南京路店", "北京三里屯店", ""][n % 3]]  # fmt: skip
                valid = True
                if n == 10:
                    row[6], valid = "2024-13-45", False
                elif n == 20:
                    row[12], valid = "N/A", False
                elif n == 30:
                    row[0], valid = None, False
                sheet.append(row)
                n += 1
                truth.add("orders", str(row[2]), p.true_customer_id, valid)
                serial = 0.85 <= r < 0.95  # an Excel serial keeps the day only
                day = when.date().isoformat() if serial else when.isoformat(sep=" ")
                truth_rows.append(
                    ("orders", row[0] or "", line, p.true_customer_id, amount, currency, day, valid)
                )
    summary = [["报表", "订单汇总"], ["orders", order_no]]
    write_xlsx(out / "orders" / "orders_2026Q1.xlsx", {"Orders": sheet, "Summary": summary})
    cols = ["source", "order_id", "line_no", "true_customer_id", "amount", "currency", "order_date", "valid"]
    return n, pd.DataFrame(truth_rows, columns=cols)


def _survey(people, rng, out: Path, truth: _Truth, members: dict[int, str]) -> tuple[int, pd.DataFrame]:
    header = ["StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)", "Finished",
              "RecordedDate", "ResponseId", "RecipientLastName", "RecipientFirstName", "RecipientEmail",
              "ExternalReference", "Name", "Phone", "DistributionChannel", "UserLanguage", "Q1", "Q2", "Q3", "Q4",
              "Q5", "Q6"]  # fmt: skip
    questions = ["Start Date", "End Date", "Response Type", "IP Address", "Progress", "Duration (in seconds)",
                 "Finished", "Recorded Date", "Response ID", "Recipient Last Name", "Recipient First Name",
                 "Recipient Email", "External Data Reference", "Name", "Phone", "Distribution Channel",
                 "User Language", "How likely are you to recommend us to a friend or colleague? (0-10)",
                 "How satisfied are you with your purchase? (1-5)", "Anything else you would like to tell us?",
                 "Type of feedback", "How did you buy?", "Product category"]  # fmt: skip
    import_ids = [json.dumps({"ImportId": q}) for q in ["startDate", "endDate", "status", "ipAddress", "progress",
                  "duration", "finished", "recordedDate", "_recordId", "recipientLastName", "recipientFirstName",
                  "recipientEmail", "externalDataReference", "Name", "Phone", "distributionChannel", "userLanguage",
                  "QID1", "QID2", "QID3_TEXT", "QID4", "QID5", "QID6"]]  # fmt: skip
    rows, truth_rows = [], []
    k = 0
    for i in sorted(members):
        if rng.random() >= 0.45:
            continue
        p = people[i]
        for _ in range(int(rng.integers(1, 3))):
            start = _when("2024-01-01", rng, 400)
            end = start + dt.timedelta(seconds=int(rng.integers(40, 900)))
            nps = pick(rng, range(11), [0.03, 0.02, 0.03, 0.04, 0.04, 0.08, 0.08, 0.14, 0.18, 0.18, 0.18])
            csat = int(np.clip(round(nps / 2.2 + rng.normal(0, 0.6)), 1, 5))
            rid = "R_" + "".join(_RID_CHARS[j] for j in rng.integers(0, len(_RID_CHARS), 15))
            first, last = latin_name(p, rng)
            comment = COMMENTS[int(rng.integers(0, len(COMMENTS)))]
            ftype = "complaint" if nps <= 4 else ("praise" if nps >= 9 else pick(rng, ["suggestion", "none"]))
            row = [start.strftime("%Y-%m-%d %H:%M:%S"), end.strftime("%Y-%m-%d %H:%M:%S"), "IP Address",
                   f"10.{k % 250}.{i % 250}.7", "100", str((end - start).seconds), "True",
                   end.strftime("%Y-%m-%d %H:%M:%S"), rid, last, first, email(p.email, rng), members[i],
                   full_name(p, rng), contact_phone(p, rng), "email", "ZH-S" if p.name_script == "hanzi" else "EN",
                   str(nps), str(csat), comment, ftype, pick(rng, CHANNELS),
                   pick(rng, ["electronics", "home", "beauty", "outdoor", "baby"])]  # fmt: skip
            valid = True
            if k == 6:
                row[17], valid = "11", False  # NPS out of range
            elif k == 9:
                row[7], valid = "yesterday", False
            truth.add("survey", members[i], p.true_customer_id, valid)
            submitted = end.strftime("%Y-%m-%d %H:%M:%S")  # the truth, whatever the export says
            truth_rows.append((rid, p.true_customer_id, submitted, row[17], row[18], valid))
            rows.append(row)
            k += 1
    path = out / "survey" / "NPS_Survey_Qualtrics.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, lineterminator="\r\n")
        w.writerows([header, questions, import_ids, *rows])
    cols = ["response_id", "true_customer_id", "submitted_at", "nps_score", "csat_score", "valid"]
    return len(rows), pd.DataFrame(truth_rows, columns=cols)


def _enrichment(people, rng, out: Path, truth: _Truth) -> int:
    picks = np.flatnonzero(rng.random(len(people)) < 0.4)
    ids = _ids("ENR", len(picks), rng, 7)
    lines = []
    for k, (i, rid) in enumerate(zip(picks, ids, strict=True)):
        p = people[i]
        # a modern vendor API's shape: contact points, profile, place and work nested (mapped by dotted path);
        # the values drawn in the order the flat feed drew them
        name, mail, mobile = full_name(p, rng), email(p.email, rng), phone(p.mobile, rng)
        birthday = p.birth_date if rng.random() < 0.5 else None
        updated = _when("2025-01-01", rng, 300).isoformat() + "+08:00"
        rec = {"id": rid, "name": name,
               "contacts": {"email": mail, "mobile": mobile, "wechat": p.wechat_id or None},
               "profile": {"birthday": birthday, "gender": {"M": "male", "F": "female"}[p.gender]},
               "geo": {"country": p.country, "province": p.province, "city": p.city},
               "work": {"company": p.company, "job_title": p.title, "industry": "retail"},
               "income_band": ["<10k", "10k-30k", "30k-80k", ">80k"][k % 4], "interests": p.interests.split(";"),
               "updated_at": updated, "match_score": round(0.5 + (k % 50) / 100, 2)}  # fmt: skip
        lines.append(json.dumps(rec, ensure_ascii=False))
        truth.add("enrichment", rid, p.true_customer_id, valid=k != 3)
        if k == 3:
            lines[-1] = lines[-1][: len(lines[-1]) // 2]  # a line cut mid-record
    path = out / "enrichment" / "enrichment_feed.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)


INTERACTIONS_FILE = "interactions/service_desk_interactions.csv"
JUNK_PHONES = ["13800138000", "13888888888", "12345678901"]
JUNK_EMAILS = ["test@test.com", "none@none.com", "no-reply@example.com"]


def _contact_points(p, rng: np.random.Generator, ch: str) -> tuple[str, str, str]:
    """(name, phone, email) an agent noted for one contact: often only the number that called or the
    address that wrote, sometimes a shared mailbox, a placeholder or nothing at all."""
    r = rng.random()
    if r < 0.04:  # a placeholder typed to get past a mandatory field
        return (
            "",
            JUNK_PHONES[int(rng.integers(0, 3))] if ch != "email" else "",
            (JUNK_EMAILS[int(rng.integers(0, 3))] if ch == "email" else ""),
        )
    if r < 0.06:
        return "", "", ""
    mail = p.shared_email if p.shared_email and rng.random() < 0.5 else p.email
    tel = contact_phone(p, rng) if ch != "email" else ""
    mail = email(mail, rng) if ch == "email" else ""
    return (full_name(p, rng) if rng.random() < 0.4 else ""), tel, mail


def _interactions(people, rng, out: Path, truth: _Truth) -> int:
    """Service desk log: some rows carry the desk's own customer id, many only what the agent noted."""
    picks = np.flatnonzero(rng.random(len(people)) < 0.45)
    refs = _ids("K", len(picks), rng, 7)
    rows, k = [], 0
    for i, ref in zip(picks, refs, strict=True):
        p = people[i]
        for _ in range(int(rng.integers(1, 5))):
            ch = pick(rng, ["phone", "email", "chat", "wechat"], [0.35, 0.25, 0.2, 0.2])
            kind = pick(rng, ["inquiry", "complaint", "suggestion", "support"], [0.5, 0.2, 0.1, 0.2])
            own_id = rng.random() < 0.75
            if own_id:
                name = full_name(p, rng) if rng.random() < 0.6 else ""
                tel = contact_phone(p, rng) if ch != "email" else ""
                mail = email(p.email, rng) if ch == "email" else ""
            else:
                name, tel, mail = _contact_points(p, rng, ch)
            row = [f"INT{100000 + k}", ref if own_id else "", name, tel, mail,
                   p.wechat_id if ch == "wechat" else "",
                   _when("2024-01-01", rng, 450).strftime("%Y-%m-%d %H:%M:%S"), ch,
                   pick(rng, ["inbound", "outbound"], [0.8, 0.2]), kind, f"{kind} about order",
                   "客户来电咨询退货流程" if p.name_script == "hanzi" else "Customer asked about returns",
                   pick(rng, ["open", "resolved"], [0.2, 0.8]), f"agent{k % 9:02d}",
                   pick(rng, ["electronics", "home", "beauty"]), str(int(rng.integers(30, 1800)))]  # fmt: skip
            valid = True
            if k == 8:
                row[6], valid = "", False  # missing timestamp
            # A row without the desk's id is a person record of its own, keyed by its file and physical line
            # (docs/CONTRACTS.md); no cell of this file holds a line break, so line = row number + 2.
            key = ref if own_id else f"r:{INTERACTIONS_FILE}:{len(rows) + 2}"
            truth.add("interactions", key, p.true_customer_id, valid)
            rows.append(row)
            k += 1
    header = ["interaction_id", "customer_id", "customer_name", "phone", "email", "wechat_id", "occurred_at",
              "channel", "direction", "type", "subject", "notes", "status", "agent", "product_category",
              "duration_seconds"]  # fmt: skip
    _write_csv(out / INTERACTIONS_FILE, header, rows, "utf-8")
    return len(rows)


def _campaigns(people, rng, out: Path, truth: _Truth) -> int:
    campaigns = [("CMP-2401", "双十一大促", "promotion"), ("CMP-2402", "上海家电展 Home Expo", "exhibition"),
                 ("CMP-2403", "Smart Home Seminar", "seminar"), ("CMP-2404", "618 年中促销", "promotion")]  # fmt: skip
    picks = np.flatnonzero(rng.random(len(people)) < 0.4)
    refs = _ids("L", len(picks), rng, 7)
    rows = []
    for i, ref in zip(picks, refs, strict=True):
        p = people[i]
        for c in rng.choice(len(campaigns), size=int(rng.integers(1, 3)), replace=False):
            cid, cname, ctype = campaigns[int(c)]
            interests = ";".join(sorted(set(p.interests.split(";")) | {INTERESTS[int(rng.integers(0, 10))]}))
            # Lists bought or scanned at a booth: often an e-mail only or a mobile only.
            name, mail, tel = full_name(p, rng), email(p.email, rng), contact_phone(p, rng)
            r = rng.random()
            if r < 0.35:
                name, tel = "", ""
            elif r < 0.55:
                name, mail = "", ""
            rows.append([cid, cname, ctype, ref, name, mail, tel, p.company if name else "", _when("2024-01-01", rng, 400).strftime("%Y/%m/%d"),
                         pick(rng, ["invited", "registered", "attended", "converted"]), interests,
                         pick(rng, ["email", "wechat", "sms"])])  # fmt: skip
            truth.add("campaigns", ref, p.true_customer_id)
    header = ["campaign_id", "campaign_name", "campaign_type", "member_id", "name", "email", "mobile", "company",
              "joined_at", "member_status", "interests", "channel"]  # fmt: skip
    _write_csv(out / "campaigns" / "campaign_members.csv", header, rows, "utf-8")
    return len(rows)


def generate_sample(out: Path, customers: int = 2000, seed: int = 7) -> dict:
    """Write `out/landing/<source>/<file>` and `out/truth/*.csv`; deterministic for a given seed."""
    out = Path(out)
    rng = np.random.default_rng(seed)
    people = make_customers(customers, rng, np.random.default_rng([seed, 0x0419]))
    landing, truth_dir = out / "landing", out / "truth"
    truth = _Truth()
    frame, people = people, list(people.itertuples(index=False))
    members_idx = _members(len(people), 0.6, rng)
    members = dict(zip(members_idx.tolist(), _ids("M", len(members_idx), rng, 7), strict=True))
    crm: dict[str, list[tuple[str, str]]] = {}
    records = {
        "salesforce": _salesforce(people, rng, landing, truth, crm),
        "zoho": _zoho(people, rng, landing, truth, crm),
        "fxiaoke": _fxiaoke(people, rng, landing, truth, crm),
    }
    records["orders"], orders = _orders(people, rng, landing, truth, members, crm)
    records["survey"], survey = _survey(people, rng, landing, truth, members)
    records["enrichment"] = _enrichment(people, rng, landing, truth)
    records["interactions"] = _interactions(people, rng, landing, truth)
    records["campaigns"] = _campaigns(people, rng, landing, truth)
    hub_rng = np.random.default_rng(
        [seed, 0x4B5]
    )  # its own stream: the other files of a seed stay as they were
    records["hubspot"] = write_hubspot(
        people, _crm_picks(people, hub_rng, 0.15, 0.45), landing, truth, hub_rng
    )
    records["twcrm"] = write_twcrm(people, landing, truth, np.random.default_rng([seed, 0x7C1]))
    truth_dir.mkdir(parents=True, exist_ok=True)
    truth.frame().to_csv(truth_dir / "ground_truth.csv", index=False)
    orders.to_csv(truth_dir / "orders.csv", index=False)
    survey.to_csv(truth_dir / "survey.csv", index=False)
    keep = [c for c in frame.columns if c not in ("area",)]
    frame[keep].to_csv(truth_dir / "customers.csv", index=False)
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    return {
        "customers": customers,
        "seed": seed,
        "records": records,
        "person_records": len(truth.rows),
        "files": files,
    }
