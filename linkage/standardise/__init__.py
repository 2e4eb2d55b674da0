"""Standardisers: pd.Series in → pd.Series out, one library-backed function per kind of value.

Every function computes each distinct value once (real columns repeat values), keeps the index and turns
placeholders ("junk": 13800000000, test@test.com, N/A, 无, 未知 …) into <NA>.
"""

from linkage.standardise.chinese import SYSTEMS, has_han, romanise, to_simplified
from linkage.standardise.company import normalise_company
from linkage.standardise.compound_surnames import compound_of
from linkage.standardise.email import normalise_email, split_multi
from linkage.standardise.names import (
    name_script,
    normalise_name,
    pinyin_name,
    romanised_key,
    split_names,
    whole_names,
)
from linkage.standardise.person import normalise_birth_date, normalise_gender
from linkage.standardise.phone import normalise_phone, phone_type
from linkage.standardise.places import (
    normalise_address,
    normalise_country,
    normalise_place,
    normalise_postcode,
)
from linkage.standardise.text import JUNK_VALUES, fold_text, is_junk, normalise_text

# The version of what standardisation writes (silver rows, person records): raised by a release that changes the
# output for the same bronze rows (2: compound surnames, 'ouyanghaoran' is 欧阳 + 浩然, was 'ou' + 'yanghaoran';
# 3: pinyin keeps a character it cannot read, 叶𠮷文 'ye𠮷wen', was 'yewen'; Hong Kong surname spellings order
# romanised names, 'Tai Man Tsang', 'Ka Wah Kwok'; a whole name in one name field, Last Name '李强婷' is
# 李 + 强婷, was family 李强婷; 4: names in other scripts kept, 김민준 is 김 + 민준 and Иван Петров is Петров + Иван, were
# no name at all; 5: hangul and kana romanised for the keys, 김민준 'kim minjun', were no key; 'Raymond Chang
# I-Chih' is Chang + I-Chih, was I-Chih + Raymond Chang; a bracketed nickname dropped, 'Choo Li (Ken)'; capitals
# after a title mark the family name, 'Dr. LOO Jun Wan'; Singapore dialect surnames order names, 'Jun Wan Loo'; a note
# in brackets after a Chinese name and a suffix after a Latin one are no name words, 王伟（已离职） is 王 + 伟 and
# 'John Smith Jr.' is smith + john; a note after a number or an address is dropped, '139… 微信同号' and
# 'Zhang San <zs@qq.com>' were no phone and no email; a time without an offset stays wall-clock time, '… 10:20:30.5'
# was read as UTC and moved 8 hours; month names, 下午3:04, 3:04 PM, 15.03.2024 and Unix time parse; a country named
# in any of a dozen languages or ISO's form is its code, 'Taiwan, Province of China' is TW; 6: a Japanese name in
# kanji splits at its family name, 山田浩二 and 山田 浩二 are 山田 + 浩二, were 山 + 田浩二; 佐々木 is 佐佐木, was 佐木;
# 山田さくら keeps its kana; romanised Korean and Japanese names in their own order, 'Kim Min-jun' is Kim + Min-jun
# and 'Yamamoto Yuta' Yamamoto + Yuta, were Min-jun's and Yuta's).
# Each silver partition is stamped with it (assets/standardise/rules.py); a night re-standardises the partitions
# stamped with another, and the linkage model is refitted on the values the new rules make (linkage/state.py).
STANDARDISE_RULES = 6

__all__ = [
    "JUNK_VALUES",
    "SYSTEMS",
    "compound_of",
    "fold_text",
    "has_han",
    "is_junk",
    "name_script",
    "normalise_address",
    "normalise_birth_date",
    "normalise_company",
    "normalise_country",
    "normalise_email",
    "normalise_gender",
    "normalise_name",
    "normalise_phone",
    "normalise_place",
    "normalise_postcode",
    "normalise_text",
    "phone_type",
    "pinyin_name",
    "romanise",
    "romanised_key",
    "split_multi",
    "split_names",
    "to_simplified",
    "whole_names",
]
