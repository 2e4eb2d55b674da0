"""A second, independent multi-vendor delivery, written from issue #12's description of a real one, not from
assets/sample/ nor from what the engine does: the guard against grading the engine on its own generator.

Eight files for `people` true customers: Salesforce contacts (Data Loader API names, ISO dates), Zoho
contacts (labels, `zcrm_` ids, MM/dd/yyyy birth dates), Fxiaoke (Chinese headers, traditional characters
for Hong Kong people, 1985年4月12日), an order workbook keyed by CRM ids only (some Salesforce ids in their
15-character form, Zoho ids as the bare number), a Qualtrics export (three header rows; RecipientFirstName /
LastName / Email, ExternalReference sometimes the Salesforce id), an enrichment JSONL feed with its own keys,
a service-desk log (only the address or number that wrote in, sometimes a name, sometimes nothing or a
placeholder), campaign members (an e-mail or a mobile). Planted: English names beside Chinese ones, name
order swapped, typos, case, households sharing an address and a landline, colleagues behind one switchboard
with extensions, HK / US / UK / SG numbers written nationally without a country, role mailboxes.

`write_delivery(landing, people, seed)` writes the files and returns the truth: (source, source_record_id,
person) for every person record the delivery holds, keyed as docs/CONTRACTS.md says (own id, customer_ref,
else `r:<file>:<line>`). SOURCES_YAML maps it as a user would (vendor files by `use:`, the rest by hand).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import phonenumbers

# (hanzi, pinyin) — family names and given names; traditional forms for Hong Kong people.
FAMILY = [("张", "zhang"), ("王", "wang"), ("李", "li"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
          ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"), ("徐", "xu"), ("孙", "sun"),
          ("马", "ma"), ("朱", "zhu"), ("胡", "hu"), ("郭", "guo"), ("何", "he"), ("林", "lin"),
          ("罗", "luo"), ("高", "gao"), ("欧阳", "ouyang"), ("司马", "sima")]  # fmt: skip
GIVEN = [("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("秀英", "xiuying"), ("敏", "min"), ("静", "jing"),
         ("丽", "li"), ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"), ("勇", "yong"),
         ("艳", "yan"), ("杰", "jie"), ("娟", "juan"), ("涛", "tao"), ("明", "ming"), ("超", "chao"),
         ("秀兰", "xiulan"), ("霞", "xia"), ("平", "ping"), ("刚", "gang"), ("桂英", "guiying"),
         ("建华", "jianhua"), ("国强", "guoqiang"), ("志明", "zhiming"), ("海燕", "haiyan"), ("晓东", "xiaodong"),
         ("子涵", "zihan"), ("雨桐", "yutong"), ("浩然", "haoran"), ("欣怡", "xinyi")]  # fmt: skip
TRADITIONAL = str.maketrans({"张": "張", "刘": "劉", "陈": "陳", "杨": "楊", "黄": "黃", "赵": "趙", "吴": "吳",
                             "马": "馬", "郭": "郭", "罗": "羅", "伟": "偉", "丽": "麗", "军": "軍", "艳": "艷",
                             "杰": "傑", "涛": "濤", "华": "華", "国": "國", "强": "強", "晓": "曉", "东": "東",
                             "欧": "歐", "阳": "陽", "兰": "蘭", "娟": "娟", "霞": "霞"})  # fmt: skip
ENGLISH = [
    "Kevin",
    "Amy",
    "Jason",
    "Grace",
    "Tony",
    "Vivian",
    "Eric",
    "Coco",
    "Peter",
    "Cindy",
    "Jack",
    "Helen",
]
WESTERN_GIVEN = ["James", "Olivia", "Liam", "Emma", "Noah", "Ava", "Lucas", "Mia", "Ethan", "Sophie", "Henry",
                 "Chloe", "Daniel", "Grace", "Samuel", "Ella", "Oscar", "Ruby", "Adam", "Isla"]  # fmt: skip
WESTERN_FAMILY = ["Smith", "Johnson", "Brown", "Taylor", "Wilson", "Evans", "Walker", "Wright", "Hughes",
                  "Green", "Hall", "Clarke", "Baker", "Turner", "Parker", "Collins", "Stewart", "Morris"]  # fmt: skip
CITIES = {"CN": [("上海", "Shanghai"), ("北京", "Beijing"), ("深圳", "Shenzhen"), ("广州", "Guangzhou"),
                 ("杭州", "Hangzhou"), ("成都", "Chengdu")],
          "HK": [("香港", "Hong Kong")], "US": [("纽约", "New York"), ("旧金山", "San Francisco")],
          "GB": [("伦敦", "London")], "SG": [("新加坡", "Singapore")]}  # fmt: skip
COUNTRY_LABEL = {
    "CN": "China",
    "HK": "Hong Kong",
    "US": "United States",
    "GB": "United Kingdom",
    "SG": "Singapore",
}
COMPANIES = ["Haier", "Midea", "Lenovo", "Tencent", "Acme Trading", "Bright Logistics", "Sunrise Foods"]
DOMAINS = ["163.com", "qq.com", "126.com", "gmail.com", "outlook.com", "yahoo.com", "hotmail.com"]
PLACEHOLDERS = ["13800138000", "00000000", "n/a", "无", "test@test.com", "noreply@example.com", ""]


# ---- Hong Kong identity-card spellings -------------------------------------------------------------------
# A Hong Kong person's Latin name is the one on the identity card and passport, in the Hong Kong Government
# Cantonese Romanisation (陳大文 Chan Tai Man), not pinyin: CRMs hold that spelling, and the e-mail follows it.
HK_FAMILY = {"张": "Cheung", "王": "Wong", "李": "Lee", "刘": "Lau", "陈": "Chan", "杨": "Yeung", "黄": "Wong",
             "赵": "Chiu", "吴": "Ng", "周": "Chow", "徐": "Tsui", "孙": "Suen", "马": "Ma", "朱": "Chu", "胡": "Wu",
             "郭": "Kwok", "何": "Ho", "林": "Lam", "罗": "Law", "高": "Ko", "欧阳": "Au Yeung", "司马": "Sze Ma"}  # fmt: skip
HK_GIVEN = {"伟": "Wai", "芳": "Fong", "娜": "Na", "秀英": "Sau Ying", "敏": "Man", "静": "Ching", "丽": "Lai",
            "强": "Keung", "磊": "Lui", "军": "Kwan", "洋": "Yeung", "勇": "Yung", "艳": "Yim", "杰": "Kit",
            "娟": "Kuen", "涛": "To", "明": "Ming", "超": "Chiu", "秀兰": "Sau Lan", "霞": "Ha", "平": "Ping",
            "刚": "Kong", "桂英": "Kwai Ying", "建华": "Kin Wah", "国强": "Kwok Keung", "志明": "Chi Ming",
            "海燕": "Hoi Yin", "晓东": "Hiu Tung", "子涵": "Tsz Ham", "雨桐": "Yu Tung", "浩然": "Ho Yin",
            "欣怡": "Yan Yee"}  # fmt: skip


def hk_id_card_name(family: tuple[str, str], given: tuple[str, str]) -> tuple[tuple[str, str], ...]:
    """(family, given) of a Hong Kong person: the Hanzi kept, the Latin spelling the identity card's."""
    return (family[0], HK_FAMILY[family[0]]), (given[0], HK_GIVEN[given[0]])


@dataclass
class Person:
    pid: str
    country: str
    chinese: bool
    family: tuple[str, str]  # (native script, latin)
    given: tuple[str, str]
    english: str  # an English first name some systems hold instead ('' when none)
    gender: str
    birth: str  # YYYY-MM-DD
    mobile: str  # E.164
    email: str
    city: tuple[str, str]
    address: str
    company: str
    landline: str = ""  # E.164 home landline, shared by a household
    office: str = ""  # switchboard number with the person's extension
    ids: dict[str, str] = field(default_factory=dict)  # CRM → record id


def _valid(rng: random.Random, region: str, landline: bool = False) -> str:
    """A valid mobile (or landline) number of `region` in E.164."""
    for _ in range(200):
        if landline:
            national = {"CN": lambda: "021" + f"{rng.randrange(2, 10)}{rng.randrange(10**7):07d}",
                        "HK": lambda: "2" + f"{rng.randrange(10**7):07d}", "US": lambda: f"415{rng.randrange(2, 10)}{rng.randrange(10**6):06d}",
                        "GB": lambda: "0207" + f"{rng.randrange(10**7):07d}", "SG": lambda: "6" + f"{rng.randrange(10**7):07d}"}[region]()  # fmt: skip
            number = phonenumbers.parse(national, region)
            if phonenumbers.is_valid_number(number):
                return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            continue
        national = {
            "CN": lambda: rng.choice(["135", "136", "139", "150", "186", "188", "177"]) + f"{rng.randrange(10**8):08d}",
            "HK": lambda: rng.choice("569") + f"{rng.randrange(10**7):07d}",
            "US": lambda: rng.choice(["415", "212", "646", "312", "617"]) + f"{rng.randrange(2, 10)}{rng.randrange(10**6):06d}",
            "GB": lambda: "07" + rng.choice("4579") + f"{rng.randrange(10**8):08d}",
            "SG": lambda: rng.choice("89") + f"{rng.randrange(10**7):07d}",
        }[region]()  # fmt: skip
        number = phonenumbers.parse(national, region)
        if phonenumbers.is_valid_number(number) and phonenumbers.number_type(number) in (
            phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE):  # fmt: skip
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    raise RuntimeError(region)


def written_phone(rng: random.Random, e164: str, country_stated: bool) -> str:
    """How a person or an agent types a number: with or without the country code, spaces, dashes."""
    number = phonenumbers.parse(e164, None)
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    intl = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    digits = str(number.national_number)
    if number.country_code == 86:
        return rng.choice(
            [digits, f"{digits[:3]}-{digits[3:7]}-{digits[7:]}", intl, f"(+86){digits}", f"86-{digits}"]
        )
    # abroad: national form (no country) about half the time, whatever the row says
    return rng.choice([national, national, intl, e164 if country_stated else intl])


def _typo(rng: random.Random, text: str) -> str:
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 1)
    return rng.choice([text[:i] + text[i + 1 :], text[:i] + text[i + 1] + text[i] + text[i + 2 :]])


def make_people(n: int, rng: random.Random) -> list[Person]:
    people: list[Person] = []
    taken: set[str] = set()  # a mailbox is one person's: namesakes get another one
    for i in range(n):
        country = rng.choices(["CN", "HK", "US", "GB", "SG"], [0.62, 0.14, 0.09, 0.08, 0.07])[0]
        chinese = country in ("CN", "HK") or rng.random() < 0.5
        family = rng.choice(FAMILY) if chinese else (rng.choice(WESTERN_FAMILY),) * 2
        given = rng.choice(GIVEN) if chinese else (rng.choice(WESTERN_GIVEN),) * 2
        if country == "HK":
            family, given = hk_id_card_name(family, given)
        english = rng.choice(ENGLISH) if chinese and rng.random() < 0.25 else ""
        latin = f"{(english or given[1])}.{family[1]}".lower().replace(" ", "")
        email = rng.choice(
            [latin, f"{given[1]}{family[1]}{rng.randrange(100, 9999)}", f"{family[1]}_{given[1]}{i}"]
        ).replace(" ", "")
        while f"{email}@" in taken:
            email += str(rng.randrange(10))
        taken.add(f"{email}@")
        city = rng.choice(CITIES[country])
        people.append(
            Person(
                pid=f"P{i:05d}", country=country, chinese=chinese, family=family, given=given, english=english,
                gender=rng.choice("MF"), birth=f"{rng.randrange(1955, 2003)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
                mobile=_valid(rng, country), email=f"{email}@{rng.choice(DOMAINS)}".lower(), city=city,
                address=f"{rng.randrange(1, 999)} {rng.choice(['Nanjing Rd', 'Queens Rd', 'Main St', 'High St', 'Orchard Rd', 'Jianguo Rd'])}",
                company=rng.choice(COMPANIES),
            )
        )  # fmt: skip
    # households: a partner at the same address sharing the landline (own mobile and e-mail)
    for a, b in zip(people[0 : n // 10 : 2], people[1 : n // 10 : 2], strict=False):
        b.address, b.city, b.country = a.address, a.city, a.country
        b.mobile = _valid(rng, a.country)
        if rng.random() < 0.5:
            b.family = a.family
        a.landline = b.landline = _valid(rng, a.country, landline=True)
    # colleagues behind one switchboard
    for p in people[n // 10 : n // 10 + max(4, n // 40)]:
        p.company, p.office = "Acme Trading", f"021-6888 0000 转 {rng.randrange(100, 999)}"
    return people


def _name_latin(rng: random.Random, p: Person) -> tuple[str, str]:
    """(first, last) as a Latin-script CRM holds them; sometimes the English name, the order swapped, case."""
    first = p.english if p.english and rng.random() < 0.6 else p.given[1].title()
    last = p.family[1].title()
    if p.chinese and rng.random() < 0.15:
        first, last = last, first  # the person typed family name first into the 'First Name' box
    if rng.random() < 0.1:
        last = last.upper()
    if rng.random() < 0.05:
        first = _typo(rng, first)
    return first, last


def _native(p: Person) -> str:
    name = p.family[0] + p.given[0] if p.chinese else f"{p.given[0]} {p.family[0]}"
    return name.translate(TRADITIONAL) if p.country == "HK" else name


def _email(rng: random.Random, p: Person) -> str:
    e = p.email
    if rng.random() < 0.15:
        e = e.upper() if rng.random() < 0.5 else e.title()
    if rng.random() < 0.04:
        local, domain = e.split("@")
        e = _typo(rng, local) + "@" + domain
    return e


def _csv(
    path: Path, rows: list[dict], header: list[str], encoding: str = "utf-8", preamble: list[list[str]] = ()
):
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame(rows, columns=header)
    extra = pd.DataFrame(list(preamble), columns=header)
    pd.concat([extra, frame], ignore_index=True).to_csv(path, index=False, encoding=encoding)


def write_delivery(landing: Path, people_count: int = 300, seed: int = 5) -> pd.DataFrame:
    rng = random.Random(seed)
    people = make_people(people_count, rng)
    truth: list[tuple[str, str, str]] = []

    sf, zoho, fx = [], [], []
    for p in people:
        in_sf, in_zoho = rng.random() < 0.6, rng.random() < 0.4
        in_fx = p.chinese and p.country in ("CN", "HK") and rng.random() < 0.5
        if not (in_sf or in_zoho or in_fx) and rng.random() < 0.95:  # > 95% of people are some CRM's contact
            in_sf = True
        if in_sf:
            p.ids["salesforce"] = (
                "0035g0000"
                + "".join(
                    rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789")
                    for _ in range(6)
                )
                + "AAA"
            )
            first, last = (
                (p.given[0], p.family[0]) if p.chinese and rng.random() < 0.2 else _name_latin(rng, p)
            )
            sf.append({"Id": p.ids["salesforce"], "FirstName": first, "LastName": last, "Email": _email(rng, p),
                       "MobilePhone": written_phone(rng, p.mobile, True), "Phone": p.office or (written_phone(rng, p.landline, True) if p.landline else ""),
                       "MailingStreet": p.address, "MailingCity": p.city[1], "MailingCountry": COUNTRY_LABEL[p.country] if rng.random() < 0.7 else "",
                       "Birthdate": p.birth if rng.random() < 0.5 else "", "Account.Name": p.company,
                       "CreatedDate": "2024-03-01T08:00:00.000Z"})  # fmt: skip
            truth.append(("salesforce", p.ids["salesforce"], p.pid))
        if in_zoho:
            p.ids["zoho"] = f"zcrm_48768760000{rng.randrange(10**8):08d}"
            first, last = _name_latin(rng, p)
            y, m, d = p.birth.split("-")
            zoho.append({"Contact Id": p.ids["zoho"], "First Name": first, "Last Name": last, "Email": _email(rng, p),
                         "Mobile": written_phone(rng, p.mobile, False), "Phone": written_phone(rng, p.landline, False) if p.landline else "",
                         "Mailing City": p.city[1] if rng.random() < 0.8 else "", "Mailing Country": p.country if rng.random() < 0.4 else "",
                         "Date of Birth": f"{m}/{d}/{y}" if rng.random() < 0.6 else "", "Account Name": p.company})  # fmt: skip
            truth.append(("zoho", p.ids["zoho"], p.pid))
        if in_fx:
            p.ids["fxiaoke"] = f"KH{rng.randrange(10**9):09d}"
            y, m, d = p.birth.split("-")
            fx.append({"客户编号": p.ids["fxiaoke"], "联系人": _native(p), "客户名称": p.company, "手机": written_phone(rng, p.mobile, False),
                       "邮箱": _email(rng, p) if rng.random() < 0.7 else "", "城市": p.city[0], "生日": f"{int(y)}年{int(m)}月{int(d)}日" if rng.random() < 0.5 else "",
                       "性别": {"M": "男", "F": "女"}[p.gender]})  # fmt: skip
            truth.append(("fxiaoke", p.ids["fxiaoke"], p.pid))
    whole_name_in_one_field(sf, people, seed)
    whole_name_in_one_field(zoho, people, seed)
    _csv(landing / "salesforce" / "Contact_extract.csv", sf, list(sf[0]))
    _csv(landing / "zoho" / "Contacts_2026.csv", zoho, list(zoho[0]))
    _csv(landing / "fxiaoke" / "联系人导出.csv", fx, list(fx[0]), encoding="utf-8-sig")

    # orders: the ERP knows the CRM id only
    orders = []
    for p in people:
        for _ in range(rng.choice([0, 0, 1, 1, 2, 3]) if p.ids else 0):
            crm = rng.choice(sorted(p.ids))
            ref = p.ids[crm]
            if crm == "salesforce" and rng.random() < 0.3:
                ref = ref[:15]
            if crm == "zoho" and rng.random() < 0.5:
                ref = ref.removeprefix("zcrm_")
            orders.append({"order_id": f"SO{len(orders) + 1:06d}", "customer_ref": ref, "order_date": "2026-02-03",
                           "sku": rng.choice(["A1", "B2", "C3"]), "qty": rng.randrange(1, 4), "amount": rng.randrange(50, 900)})  # fmt: skip
            truth.append(("orders", ref, p.pid))
    (landing / "orders").mkdir(parents=True, exist_ok=True)
    pd.DataFrame(orders).to_excel(landing / "orders" / "orders_2026Q1.xlsx", sheet_name="Orders", index=False)

    # Qualtrics: three header rows; the data rows start on physical line 4
    survey, preamble = [], [["Response ID", "Start Date", "Recorded Date", "Recipient Last Name", "Recipient First Name",
                             "Recipient Email", "External Data Reference", "How likely…", "How satisfied…"],
                            ['{"ImportId":"_recordId"}', '{"ImportId":"startDate"}', '{"ImportId":"recordedDate"}', "", "", "", "", '{"ImportId":"QID1"}', '{"ImportId":"QID2"}']]  # fmt: skip
    for p in people:
        if rng.random() < 0.4:
            ext = p.ids.get("salesforce", "") if rng.random() < 0.3 else ""
            first, last = _name_latin(rng, p) if rng.random() < 0.7 else ("", "")
            survey.append({"ResponseId": f"R_{rng.randrange(16**12):012x}", "StartDate": "2026-02-10 09:00:00", "RecordedDate": "2026-02-10 09:05:00",
                           "RecipientLastName": last, "RecipientFirstName": first, "RecipientEmail": _email(rng, p),
                           "ExternalReference": ext, "Q1": rng.randrange(0, 11), "Q2": rng.randrange(1, 6)})  # fmt: skip
            truth.append(("survey", ext or f"r:survey/NPS_Feb.csv:{len(survey) + 3}", p.pid))
    _csv(landing / "survey" / "NPS_Feb.csv", survey, list(survey[0]), preamble=preamble)

    enrich = []
    for p in people:
        if rng.random() < 0.3:
            eid = f"EN-{len(enrich) + 1:05d}"
            enrich.append({"id": eid, "name": _native(p) if rng.random() < 0.5 else " ".join(reversed(_name_latin(rng, p))),
                           "email": _email(rng, p), "mobile": written_phone(rng, p.mobile, False) if rng.random() < 0.6 else "",
                           "city": p.city[1], "company": p.company, "birthday": p.birth if rng.random() < 0.4 else ""})  # fmt: skip
            truth.append(("enrichment", eid, p.pid))
    (landing / "enrichment").mkdir(parents=True, exist_ok=True)
    (landing / "enrichment" / "append_feed.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in enrich), encoding="utf-8"
    )

    desk = []
    for p in people:
        for _ in range(rng.choice([0, 0, 1, 1, 2])):
            how = rng.choices(["email", "phone", "name+phone", "nothing"], [0.4, 0.35, 0.15, 0.1])[0]
            row = {"ticket": f"T{len(desk) + 1:06d}", "opened": "2026-02-14 10:00", "channel": how, "topic": "投诉" if rng.random() < 0.2 else "咨询",
                   "from_email": _email(rng, p) if how == "email" else "", "from_phone": written_phone(rng, p.mobile, False) if "phone" in how else "",
                   "caller": (_native(p) if rng.random() < 0.5 else " ".join(_name_latin(rng, p))) if how == "name+phone" else ""}  # fmt: skip
            if how == "nothing":
                row["from_phone"] = rng.choice(PLACEHOLDERS)
            desk.append(row)
            truth.append(("desk", f"r:desk/tickets.csv:{len(desk) + 1}", p.pid))
    _csv(landing / "desk" / "tickets.csv", desk, list(desk[0]))

    members = []
    for p in people:
        if rng.random() < 0.35:
            mid = f"MBR{len(members) + 1:06d}"
            by_mail = rng.random() < 0.6
            members.append({"campaign": "SPRING26", "member_id": mid, "email": _email(rng, p) if by_mail else "",
                            "mobile": "" if by_mail else written_phone(rng, p.mobile, False), "status": "joined",
                            "joined": "2026-03-0" + str(rng.randrange(1, 10))})  # fmt: skip
            truth.append(("campaigns", mid, p.pid))
    _csv(landing / "campaigns" / "spring_members.csv", members, list(members[0]))
    return pd.DataFrame(truth, columns=["source", "source_record_id", "person"]).drop_duplicates()


# ------------------------------------------------------------------ a whole name typed into one name field
# Chinese Salesforce and Zoho orgs leave First Name blank and type the whole name into Last Name, the required
# field ('李强婷', 'Wei Zhang'); a few type it into First Name and leave Last Name empty. A random stream of its
# own, so the rest of the delivery is what it was.
WHOLE_NAME_FIELDS = {
    "salesforce": ("Id", "FirstName", "LastName"),
    "zoho": ("Contact Id", "First Name", "Last Name"),
}


def whole_name_in_one_field(
    rows: list[dict], people: list[Person], seed: int, share: float = 0.2
) -> list[str]:
    """Rewrite `share` of the Chinese people's CRM `rows` (Salesforce's or Zoho's, told by their id column)
    with the whole name in one field; returns their record ids."""
    rng = random.Random(f"{seed}-whole-name-in-one-field")
    source = next(s for s, (key, _, _) in WHOLE_NAME_FIELDS.items() if rows and key in rows[0])
    key, first, last = WHOLE_NAME_FIELDS[source]
    person = {p.ids[source]: p for p in people if source in p.ids}
    rewritten = []
    for row in rows:
        p = person[row[key]]
        if not p.chinese or rng.random() >= share:
            continue
        latin = f"{p.english or p.given[1].title()} {p.family[1].title()}"
        whole = _native(p) if rng.random() < 0.6 else latin
        row[first], row[last] = ("", whole) if rng.random() < 0.8 else (whole, "")
        rewritten.append(row[key])
    return rewritten


SOURCES_YAML = """\
sources:
  - name: salesforce
    use: vendors/salesforce_contacts.yaml
    glob: "salesforce/*.csv"
  - name: zoho
    use: vendors/zoho_contacts.yaml
    glob: "zoho/*.csv"
  - name: fxiaoke
    use: vendors/fxiaoke_customers.yaml
    glob: "fxiaoke/*.csv"
  - name: orders
    entity: order
    format: xlsx
    sheet: Orders
    glob: "orders/*.xlsx"
    primary_key: [order_id]
    references: [salesforce, zoho, fxiaoke]
    columns: {order_id: order_id, customer_ref: customer_ref, order_date: order_date, sku: product_id,
              qty: quantity, amount: amount}
  - name: survey
    use: vendors/qualtrics_survey.yaml
    glob: "survey/*.csv"
  - name: enrichment
    use: vendors/jsonl_enrichment.yaml
    glob: "enrichment/*.jsonl"
  - name: desk
    entity: interaction
    glob: "desk/*.csv"
    primary_key: [interaction_id]
    columns: {ticket: interaction_id, opened: occurred_at, channel: channel, topic: interaction_type,
              from_email: email, from_phone: phone_mobile, caller: full_name}
  - name: campaigns
    entity: campaign_member
    glob: "campaigns/*.csv"
    primary_key: [campaign_id, customer_ref]
    columns: {campaign: campaign_id, member_id: customer_ref, email: email, mobile: phone_mobile,
              status: member_status, joined: joined_at}
"""
