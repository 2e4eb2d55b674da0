"""The true customers behind a sample delivery: one population, Chinese and Western, with linkage traps."""

from __future__ import annotations

import numpy as np
import pandas as pd

from assets.sample.origins import plant_origins

# (simplified, traditional, pinyin)
SURNAMES = [
    ("王", "王", "Wang"), ("李", "李", "Li"), ("张", "張", "Zhang"), ("刘", "劉", "Liu"), ("陈", "陳", "Chen"),
    ("杨", "楊", "Yang"), ("黄", "黃", "Huang"), ("赵", "趙", "Zhao"), ("吴", "吳", "Wu"), ("周", "周", "Zhou"),
    ("徐", "徐", "Xu"), ("孙", "孫", "Sun"), ("马", "馬", "Ma"), ("朱", "朱", "Zhu"), ("胡", "胡", "Hu"),
    ("郭", "郭", "Guo"), ("何", "何", "He"), ("林", "林", "Lin"), ("罗", "羅", "Luo"), ("高", "高", "Gao"),
    ("郑", "鄭", "Zheng"), ("梁", "梁", "Liang"), ("谢", "謝", "Xie"), ("宋", "宋", "Song"), ("唐", "唐", "Tang"),
    ("韩", "韓", "Han"), ("冯", "馮", "Feng"), ("邓", "鄧", "Deng"), ("曹", "曹", "Cao"), ("欧阳", "歐陽", "Ouyang"),
]  # fmt: skip
GIVEN = [
    ("伟", "偉", "Wei", "M"), ("娜", "娜", "Na", "F"), ("敏", "敏", "Min", "F"), ("静", "靜", "Jing", "F"),
    ("丽", "麗", "Li", "F"), ("强", "強", "Qiang", "M"), ("磊", "磊", "Lei", "M"), ("军", "軍", "Jun", "M"),
    ("洋", "洋", "Yang", "M"), ("勇", "勇", "Yong", "M"), ("艳", "艷", "Yan", "F"), ("杰", "傑", "Jie", "M"),
    ("涛", "濤", "Tao", "M"), ("明", "明", "Ming", "M"), ("芳", "芳", "Fang", "F"), ("秀英", "秀英", "Xiuying", "F"),
    ("建华", "建華", "Jianhua", "M"), ("晓明", "曉明", "Xiaoming", "M"), ("志强", "志強", "Zhiqiang", "M"),
    ("海燕", "海燕", "Haiyan", "F"), ("文博", "文博", "Wenbo", "M"), ("子涵", "子涵", "Zihan", "F"),
    ("浩然", "浩然", "Haoran", "M"), ("雨桐", "雨桐", "Yutong", "F"), ("欣怡", "欣怡", "Xinyi", "F"),
    ("俊杰", "俊傑", "Junjie", "M"), ("思远", "思遠", "Siyuan", "M"), ("嘉怡", "嘉怡", "Jiayi", "F"),
    ("梓轩", "梓軒", "Zixuan", "M"), ("一鸣", "一鳴", "Yiming", "M"), ("佳琪", "佳琪", "Jiaqi", "F"),
    ("宇航", "宇航", "Yuhang", "M"), ("雪梅", "雪梅", "Xuemei", "F"), ("国庆", "國慶", "Guoqing", "M"),
]  # fmt: skip
ALIASES = {"M": ["Kevin", "David", "Jason", "Eric", "Tony", "Jack", "Peter", "Leo"],
           "F": ["Amy", "Grace", "Linda", "Cindy", "Vivian", "Lily", "Coco", "Sunny"]}  # fmt: skip
WESTERN_FIRST = [
    ("James", "M"), ("John", "M"), ("Robert", "M"), ("Michael", "M"), ("William", "M"), ("Thomas", "M"),
    ("Lukas", "M"), ("Oliver", "M"), ("Noah", "M"), ("Marco", "M"), ("Pierre", "M"), ("José", "M"),
    ("Mary", "F"), ("Patricia", "F"), ("Jennifer", "F"), ("Elizabeth", "F"), ("Susan", "F"), ("Sophie", "F"),
    ("Emma", "F"), ("Hannah", "F"), ("Chloe", "F"), ("Anna", "F"), ("Camille", "F"), ("Zoë", "F"),
]  # fmt: skip
WESTERN_LAST = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Müller", "Schmidt",
                "Fischer", "Rossi", "Dubois", "Martin", "O'Brien", "Taylor", "Anderson", "Moore", "White", "Walker"]  # fmt: skip
# (province, city, pinyin city, country, phone area code)
CN_PLACES = [
    ("北京", "北京", "Beijing", "CN", "10"), ("上海", "上海", "Shanghai", "CN", "21"),
    ("广东", "广州", "Guangzhou", "CN", "20"), ("广东", "深圳", "Shenzhen", "CN", "755"),
    ("浙江", "杭州", "Hangzhou", "CN", "571"), ("江苏", "南京", "Nanjing", "CN", "25"),
    ("四川", "成都", "Chengdu", "CN", "28"), ("湖北", "武汉", "Wuhan", "CN", "27"),
    ("香港", "香港", "Hong Kong", "HK", ""),
]  # fmt: skip
WEST_PLACES = [
    ("NY", "New York", "New York", "US", "212"), ("CA", "San Francisco", "San Francisco", "US", "415"),
    ("", "London", "London", "GB", "20"), ("", "Berlin", "Berlin", "DE", "30"), ("", "Singapore", "Singapore", "SG", ""),
]  # fmt: skip
STREETS_CN = ["中关村大街", "南京西路", "天河路", "深南大道", "文三路", "中山路", "人民南路", "解放大道"]
STREETS_WEST = ["Main St", "Market St", "Baker Street", "Friedrichstraße", "Orchard Road", "Broadway"]
COMPANIES_CN = [
    "华为技术有限公司",
    "阿里巴巴集团",
    "腾讯科技有限公司",
    "小米科技",
    "京东集团",
    "美的集团",
    "海尔集团",
]
COMPANIES_WEST = [
    "Acme Corp",
    "Globex Inc.",
    "Initech Ltd",
    "Umbrella GmbH",
    "Stark Industries",
    "Wayne Enterprises",
]
COMPANY_DOMAINS = {"华为技术有限公司": "huawei.com", "阿里巴巴集团": "alibaba.com", "腾讯科技有限公司": "tencent.com",
                   "小米科技": "xiaomi.com", "京东集团": "jd.com", "美的集团": "midea.com", "海尔集团": "haier.com",
                   "Acme Corp": "acme.com", "Globex Inc.": "globex.com", "Initech Ltd": "initech.co.uk",
                   "Umbrella GmbH": "umbrella.de", "Stark Industries": "stark.com", "Wayne Enterprises": "wayne.com"}  # fmt: skip
TITLES = ["经理", "总监", "工程师", "采购主管", "Manager", "Director", "Engineer", "Buyer", "VP Sales"]
INTERESTS = [
    "智能家居",
    "户外运动",
    "母婴",
    "数码",
    "美妆",
    "travel",
    "fitness",
    "gaming",
    "wine",
    "photography",
]
COUNTRY_CODES = {"JP": "81", "KR": "82", "TW": "886"}
# the mail providers people of a country use beside their employer's domain
PROVIDERS = {"HK": ["gmail.com", "yahoo.com.hk", "netvigator.com", "hotmail.com"],
             "TW": ["gmail.com", "yahoo.com.tw", "msa.hinet.net", "hotmail.com"],
             "JP": ["gmail.com", "yahoo.co.jp", "docomo.ne.jp"], "KR": ["naver.com", "gmail.com", "daum.net"]}  # fmt: skip
CONSUMER_DOMAINS = {"163.com", "qq.com", "126.com", "gmail.com", "outlook.com", "yahoo.com"}.union(
    *PROVIDERS.values()
)
COMMON_NAMES = [(0, 0), (2, 0), (1, 1), (3, 8)]  # 王伟, 张伟, 李娜, 刘洋: the names a million people share


def make_customers(n: int, rng: np.random.Generator, world_rng: np.random.Generator) -> pd.DataFrame:
    """`n` true customers with canonical attributes. ~70% Chinese; traps planted on purpose:
    several different people share a very common name, a household/switchboard phone, or a generic email.
    `world_rng` draws what the first population lacked (origins.py, families, work mailboxes): its own
    stream, so the draws from `rng` stay as they were."""
    chinese = rng.random(n) < 0.7
    sur = rng.integers(0, len(SURNAMES), n)
    giv = rng.integers(0, len(GIVEN), n)
    common = chinese & (rng.random(n) < 0.06)
    pick = rng.integers(0, len(COMMON_NAMES), n)
    sur = np.where(common, np.array([c[0] for c in COMMON_NAMES])[pick], sur)
    giv = np.where(common, np.array([c[1] for c in COMMON_NAMES])[pick], giv)
    wf = rng.integers(0, len(WESTERN_FIRST), n)
    wl = rng.integers(0, len(WESTERN_LAST), n)
    alias_roll = rng.random(n)
    place_cn = rng.integers(0, len(CN_PLACES), n)
    place_w = rng.integers(0, len(WEST_PLACES), n)
    west_in_cn = rng.random(n) < 0.3  # expats living in China
    mobiles = 10**8 + rng.choice(9 * 10**8 - 1, size=n, replace=False)
    prefixes = np.array(["138", "139", "150", "158", "186", "188", "135", "136", "137", "159"])[
        rng.integers(0, 10, n)
    ]
    birth = pd.Timestamp("1955-01-01") + pd.to_timedelta(rng.integers(0, 365 * 50, n), unit="D")
    created = pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 365 * 3 * 24 * 60, n), unit="min")
    comp = rng.integers(0, 7, n)
    rows = []
    for i in range(n):
        if chinese[i]:
            s_simp, s_trad, s_py = SURNAMES[sur[i]]
            g_simp, g_trad, g_py, gender = GIVEN[giv[i]]
            alias = ALIASES[gender][int(alias_roll[i] * 100) % 8] if alias_roll[i] < 0.3 else ""
            prov, city, city_py, country, area = CN_PLACES[place_cn[i]]
            company = COMPANIES_CN[comp[i]]
            street = STREETS_CN[(i * 7) % len(STREETS_CN)]
            address = (
                f"{city}市{street}{(i * 13) % 300 + 1}号"
                if country == "CN"
                else f"九龍彌敦道{(i % 200) + 1}號"
            )
            rows.append(
                {"family_hanzi": s_simp, "given_hanzi": g_simp, "family_trad": s_trad, "given_trad": g_trad,
                 "family_latin": s_py, "given_latin": g_py, "alias": alias, "gender": gender,
                 "full_name": s_simp + g_simp, "name_script": "hanzi",
                 "province": prov, "city": city, "city_latin": city_py, "country": country, "area": area,
                 "address": address, "company": company}
            )  # fmt: skip
        else:
            first, gender = WESTERN_FIRST[wf[i]]
            last = WESTERN_LAST[wl[i]]
            prov, city, city_py, country, area = (
                CN_PLACES[place_cn[i] % 8] if west_in_cn[i] else WEST_PLACES[place_w[i]]
            )
            company = COMPANIES_WEST[comp[i] % len(COMPANIES_WEST)]
            address = f"{(i * 17) % 900 + 1} {STREETS_WEST[i % len(STREETS_WEST)]}"
            rows.append(
                {"family_hanzi": "", "given_hanzi": "", "family_trad": "", "given_trad": "", "family_latin": last,
                 "given_latin": first, "alias": "", "gender": gender, "full_name": f"{first} {last}",
                 "name_script": "latin", "province": prov, "city": city, "city_latin": city_py, "country": country,
                 "area": area, "address": address, "company": company}
            )  # fmt: skip
    plant_origins(rows, world_rng)
    people = pd.DataFrame(rows)
    people.insert(0, "true_customer_id", [f"C{i + 1:06d}" for i in range(n)])
    _plant_families(people, world_rng)
    people["mobile"] = [
        _mobile(country, p, int(m))
        for country, p, m in zip(people["country"], prefixes, mobiles, strict=True)
    ]
    people["office_phone"] = [
        _landline(a, c, int(m))
        for a, c, m in zip(people["area"], people["country"], mobiles[::-1], strict=True)
    ]
    people["email"] = _unique_handles(
        pd.Series([_email(r, i) for i, r in enumerate(people.itertuples(index=False))])
    )
    people["wechat_id"] = _unique_handles(
        pd.Series(
            np.where(
                people["country"].isin(["CN", "HK"]) & (rng.random(n) < 0.6),
                ["wxid_" + e.split("@")[0].replace(".", "")[:12] for e in people["email"]],
                "",
            )
        )
    )
    people["birth_date"] = birth.strftime("%Y-%m-%d")
    people["created_at"] = created.strftime("%Y-%m-%d %H:%M:%S")
    people["title"] = np.array(TITLES)[rng.integers(0, len(TITLES), n)]
    people["interests"] = [
        ";".join(sorted({INTERESTS[j] for j in rng.integers(0, len(INTERESTS), 2)})) for _ in range(n)
    ]
    people["home_phone"] = _family_landlines(people, world_rng)
    _plant_shared_contacts(people, rng)
    people["work_email"] = _work_mailboxes(people, world_rng)
    return people


def _mobile(country: str, prefix: str, m: int) -> str:
    if country == "HK":
        return f"+852{'569'[m % 3]}{m % 10**7:07d}"  # mobile ranges: 5, 6, 9 (most 7x, 8x are not)
    if country in ("US",):
        return f"+1415{2 * 10**6 + m % (8 * 10**6)}"
    if country == "GB":
        return f"+447{m % 10**9:09d}"
    if country == "DE":
        return f"+49151{m % 10**8:08d}"
    if country == "SG":
        return f"+659{m % 10**7:07d}"
    if country == "JP":  # 070/080/090 and eight digits, the first no 0: 0800 is toll-free (0800-123-4567)
        return f"+81{7 + m % 3}0{10**7 + m % (9 * 10**7)}"
    if country in COUNTRY_CODES:  # Korea 10, Taiwan 9, then eight digits
        prefix = {"KR": "10", "TW": "9"}[country]
        return f"+{COUNTRY_CODES[country]}{prefix}{m % 10**8:08d}"
    return f"+86{prefix}{m % 10**8:08d}"


def _landline(area: str, country: str, m: int) -> str:
    if country == "CN":
        width = 8 if len(area) == 2 else 7
        return f"+86{area}{6 * 10 ** (width - 1) + m % 10 ** (width - 1)}"
    if country == "US":
        return f"+1{area}{2 * 10**6 + m % (8 * 10**6)}"
    if country == "GB":
        return f"+44{area}7{m % 10**7:07d}"
    if country == "DE":
        return f"+49{area}{2 * 10**7 + m % (7 * 10**7)}"
    if country == "SG":
        return f"+656{m % 10**7:07d}"
    if country == "HK":
        return f"+8522{m % 10**7:07d}"
    if country in ("JP", "KR", "TW"):  # area codes of one digit: 8-digit numbers, else 7 (Busan, Taichung…)
        width = 8 if area in ("2", "3", "6") else 7
        return f"+{COUNTRY_CODES[country]}{area}{2 * 10 ** (width - 1) + m % (7 * 10 ** (width - 1))}"
    return ""


def _email(r, i: int) -> str:
    if (
        r.country in PROVIDERS
    ):  # Hong Kong, Taiwan, Japan, Korea: the Latin name as written, providers of there
        local = _mailbox_name(f"{r.alias or r.given_latin}.{r.family_latin}")
        domains = PROVIDERS[r.country]
        domain = [*domains, COMPANY_DOMAINS[r.company]][i % (len(domains) + 1)]
    elif r.name_script == "hanzi":
        local = [f"{r.given_latin}.{r.family_latin}", f"{r.family_latin}{r.given_latin}{i % 97}",
                 f"{r.alias}.{r.family_latin}" if r.alias else f"{r.family_latin}.{r.given_latin}"][i % 3]  # fmt: skip
        domain = ["163.com", "qq.com", "126.com", "gmail.com", COMPANY_DOMAINS[r.company]][i % 5]
    else:
        local = _mailbox_name(f"{r.given_latin}.{r.family_latin}")
        domain = ["gmail.com", "outlook.com", "yahoo.com", COMPANY_DOMAINS[r.company]][i % 4]
    return (
        f"{local}{i}@{domain}".lower()
        if domain in ("163.com", "qq.com", "126.com")
        else f"{local}@{domain}".lower()
    )


def _mailbox_name(name: str) -> str:
    """A name as a mailbox's local part: no spaces, hyphens or apostrophes, accents spelled out."""
    return name.lower().translate(_MAILBOX_LETTERS)


_MAILBOX_LETTERS = str.maketrans({" ": None, "-": None, "'": None, "ë": "e", "é": "e", "ü": "ue", "ß": "ss"})


def _work_mailboxes(people: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """~8% of the people with a private mailbox at a consumer provider also have one at their employer's
    domain (given.family@company), which CRMs hold (generate.py) while shops and surveys see the private one."""
    private = people["email"].str.split("@").str[1].isin(CONSUMER_DOMAINS).to_numpy()
    chosen = private & (rng.random(len(people)) < 0.08)
    work = [
        f"{_mailbox_name(f'{r.given_latin}.{r.family_latin}')}@{COMPANY_DOMAINS[r.company]}" if c else ""
        for r, c in zip(people.itertuples(index=False), chosen, strict=True)
    ]
    handles = _unique_handles(pd.Series([*people["email"], *work]))  # none equals another's mailbox
    return handles[len(people) :]


def _unique_handles(handles: pd.Series) -> np.ndarray:
    """A mailbox or WeChat id belongs to one person: namesakes get a number, as providers make them do.

    The number is the customer's index after an underscore, a form no generated handle has otherwise."""
    taken = handles.duplicated(keep="first") & (handles != "")
    local = handles.str.split("@", n=1).str[0]
    domain = handles.str.extract(r"(@.*)$", expand=False).fillna("")
    numbered = local + "_" + handles.index.astype(str) + domain
    return numbered.where(taken, handles).to_numpy()


def _plant_families(people: pd.DataFrame, rng: np.random.Generator) -> None:
    """Parents and grown-up children (two or three people): the parent's family name, Chinese families too,
    and address; each their own given name, mobile and mailbox; one home landline (_family_landlines).
    ~4% of people. Families are different people sharing a surname and a number."""
    n = len(people)
    people["family"] = ""
    candidates = people.iloc[rng.permutation(n)[: n // 25]]
    sizes = iter(rng.integers(2, 4, n))
    count = 0
    for _, group in candidates.groupby(["name_script", "country"], sort=True):
        members = list(group.index)
        while len(members) >= 2:
            size = min(int(next(sizes)), len(members))
            parent, children = members[0], members[1:size]
            del members[:size]
            givens = people.loc[[parent, *children], "given_latin"]
            if givens.duplicated().any():
                continue
            for child in children:
                for col in ("family_hanzi", "family_trad", "family_latin", "province", "city", "city_latin",
                            "country", "area", "address"):  # fmt: skip
                    people.at[child, col] = people.at[parent, col]
                people.at[child, "full_name"] = _full_name(people.loc[child])
            people.loc[[parent, *children], "family"] = f"F{count:04d}"
            count += 1


def _full_name(p: pd.Series) -> str:
    if p["name_script"] == "latin":
        return f"{p['given_latin']} {p['family_latin']}"
    return (
        f"{p['family_hanzi']} {p['given_hanzi']}"
        if p["name_script"] == "kanji"
        else p["family_hanzi"] + p["given_hanzi"]
    )


def _family_landlines(people: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """One home landline per family (_plant_families), in its city's area."""
    numbers = rng.integers(10**8, size=len(people))
    home = np.full(len(people), "", dtype=object)
    for members in people[people["family"] != ""].groupby("family").groups.values():
        head = people.loc[members[0]]
        home[list(members)] = _landline(str(head["area"]), str(head["country"]), int(numbers[members[0]]))
    return home


def _plant_shared_contacts(people: pd.DataFrame, rng: np.random.Generator) -> None:
    """Shared values that do not make one person:
    - households: a spouse or relative at the same address, city and home landline, with a different given
      name (Western spouses often share the family name; Chinese spouses keep their own), some with one
      family mailbox;
    - company switchboards: colleagues at one company share the switchboard number, each with an extension;
    - role mailboxes: colleagues share info@/sales@ of their company."""
    n = len(people)
    people["office_ext"] = ""
    people["household"] = ""
    order = rng.permutation(n)
    free = list(order[people["family"].to_numpy()[order] == ""])  # a family (_plant_families) stays whole
    for h in range(max(2, n // 40)):
        a, b = int(free.pop()), int(free.pop())
        same_name = people.loc[b, "given_latin"] == people.loc[a, "given_latin"]  # two names in a household
        if same_name or people.loc[a, "name_script"] != people.loc[b, "name_script"]:
            free.insert(0, b)
            continue
        for col in ("province", "city", "city_latin", "country", "area", "address", "office_phone"):
            people.loc[b, col] = people.loc[a, col]
        if people.loc[a, "name_script"] == "latin" and rng.random() < 0.7:
            people.loc[b, "family_latin"] = people.loc[a, "family_latin"]
            people.loc[b, "full_name"] = f"{people.loc[b, 'given_latin']} {people.loc[a, 'family_latin']}"
        people.loc[[a, b], "household"] = f"H{h:04d}"
        if rng.random() < 0.3:  # one family mailbox for both
            people.loc[b, "email"] = people.loc[a, "email"]
    for _ in range(max(2, n // 150)):
        group = [int(free.pop()) for _ in range(int(rng.integers(3, 6)))]
        head = people.loc[group[0]]
        board = _landline(str(head["area"]), str(head["country"]), int(rng.integers(10**6)) * 10)
        exts = rng.choice(np.arange(100, 9000), size=len(group), replace=False)
        for i, ext in zip(group, exts, strict=True):
            people.loc[i, "company"] = people.loc[group[0], "company"]
            people.loc[i, "office_phone"] = board
            people.loc[i, "office_ext"] = str(ext)
    people["shared_email"] = ""
    for _ in range(max(2, n // 100)):
        g = [int(free.pop()), int(free.pop())]
        domain = COMPANY_DOMAINS[people.loc[g[0], "company"]]
        people.loc[g, "shared_email"] = f"{pick_role(rng)}@{domain}"
        people.loc[g, "company"] = people.loc[g[0], "company"]


def pick_role(rng: np.random.Generator) -> str:
    return ["info", "sales", "service", "contact", "office"][int(rng.integers(0, 5))]
