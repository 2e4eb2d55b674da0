"""Gender and birth dates as people write them."""

from __future__ import annotations

import pandas as pd

from linkage.standardise._unique import map_unique
from linkage.standardise.dates import parse_datetimes
from linkage.standardise.text import fold_text

GENDERS = {
    "M": {"m", "male", "man", "boy", "男", "男性", "男士", "男生", "先生", "mr", "1", "남", "남성", "남자", "herr",
          "homme", "masculin", "masculino", "männlich"},
    "F": {"f", "female", "woman", "girl", "女", "女性", "女士", "女生", "小姐", "太太", "mrs", "ms", "miss", "2", "여",
          "여성", "여자", "frau", "femme", "féminin", "feminino", "femenino", "weiblich"},
}  # fmt: skip
# '1'/'2': GB/T 2261.1 codes; Korean, German, French, Spanish and Portuguese words
_GENDER = {v: k for k, values in GENDERS.items() for v in values}
# Dates entered when the real one is unknown.
PLACEHOLDER_DATES = frozenset({"1900-01-01", "1901-01-01", "1970-01-01", "2000-01-01", "1899-12-30"})


def normalise_gender(s: pd.Series) -> pd.Series:
    """M | F | <NA>."""
    return map_unique(s, lambda v: _GENDER.get(fold_text(v).rstrip(".")))


def normalise_birth_date(s: pd.Series, formats: list[str] | tuple[str, ...] = ()) -> pd.Series:
    """ISO 'YYYY-MM-DD' strings; <NA> for unparseable, future, pre-1900 and placeholder dates."""
    parsed = parse_datetimes(s, formats, excel_serials=True)
    plausible = parsed.between(pd.Timestamp("1900-01-01"), pd.Timestamp.now())
    iso = parsed.where(plausible).dt.strftime("%Y-%m-%d").astype("string")
    return iso.where(~iso.isin(PLACEHOLDER_DATES))
