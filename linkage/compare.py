"""Comparison vectors in DuckDB SQL: one graded level per comparison (−1 missing, 0 disagree … top exact)."""

from __future__ import annotations

import duckdb

from linkage.config import Comparison, LinkageConfig


def _null(col: str, kind: str) -> str:
    if kind == "overlap":
        return f"coalesce(len(l.{col}), 0) = 0 OR coalesce(len(r.{col}), 0) = 0"
    return f"l.{col} IS NULL OR r.{col} IS NULL"


def _similar(metric: str, col: str, threshold: float) -> str:
    if metric in ("levenshtein", "damerau_levenshtein"):
        return f"{metric}(l.{col}, r.{col}) <= {int(threshold)}"
    fn = {"jaro_winkler": "jaro_winkler_similarity", "jaccard": "jaccard"}[metric]
    return f"{fn}(l.{col}, r.{col}) >= {threshold}"


def gamma_sql(c: Comparison) -> str:
    """CASE expression giving comparison `c`'s level for the pair (l, r)."""
    top = c.n_levels - 1
    if c.kind == "name":
        own, other = c.column, "given" if c.column == "family" else "family"
        key, okey = f"{own}_key", f"{other}_key"
        # Hanzi names carry pinyin, Cantonese and Wade-Giles keys; Latin names repeat theirs in all three.
        k1, k2, k3 = key, f"{key}_yue", f"{key}_wg"
        romanised = " OR ".join(
            f"l.{a} = r.{b}"
            for a, b in ((k1, k1), (k2, k2), (k3, k3), (k1, k2), (k1, k3), (k2, k1), (k3, k1))
        )
        exact = f"l.{own}_name = r.{own}_name OR {romanised} OR (l.{key} = r.{okey} AND l.{okey} = r.{key})"
        graded = " ".join(
            f"WHEN {_similar(c.metric, key, t)} THEN {top - 1 - i}" for i, t in enumerate(c.levels)
        )
        # One side's family name is the other's given name ('Li Guo' vs 'Cindy Guo'): as good as close.
        crossed = f"WHEN l.{key} = r.{okey} OR l.{okey} = r.{key} THEN {top - 1}" if c.levels else ""
        return f"CASE WHEN {_null(key, c.kind)} THEN -1 WHEN {exact} THEN {top} {crossed} {graded} ELSE 0 END"
    col = c.column
    if c.kind == "overlap":
        partial = ""
        if c.partial:
            part = {"email_local": "split_part(x, '@', 1)", "phone_suffix": "right(x, 8)"}[c.partial]
            partial = (
                f"WHEN list_has_any(list_transform(l.{col}, lambda x: {part}), "
                f"list_transform(r.{col}, lambda x: {part})) THEN 1"
            )
        return (
            f"CASE WHEN {_null(col, c.kind)} THEN -1 WHEN list_has_any(l.{col}, r.{col}) THEN {top} "
            f"{partial} ELSE 0 END"
        )
    if c.kind == "exact":
        return f"CASE WHEN {_null(col, c.kind)} THEN -1 WHEN l.{col} = r.{col} THEN 1 ELSE 0 END"
    if c.kind == "date":
        swapped = (
            f"(substr(l.{col}, 1, 4) = substr(r.{col}, 1, 4) AND substr(l.{col}, 6, 2) = substr(r.{col}, 9, 2) "
            f"AND substr(l.{col}, 9, 2) = substr(r.{col}, 6, 2))"
        )
        return (
            f"CASE WHEN {_null(col, c.kind)} THEN -1 WHEN l.{col} = r.{col} THEN 2 "
            # one typed digit wrong (Hamming distance 1 on equal-length ISO dates) or two transposed
            f"WHEN length(l.{col}) = length(r.{col}) AND (hamming(l.{col}, r.{col}) <= 1 "
            f"OR (hamming(l.{col}, r.{col}) = 2 AND damerau_levenshtein(l.{col}, r.{col}) <= 1)) THEN 1 "
            f"WHEN {swapped} THEN 1 ELSE 0 END"
        )
    graded = " ".join(f"WHEN {_similar(c.metric, col, t)} THEN {top - 1 - i}" for i, t in enumerate(c.levels))
    return f"CASE WHEN {_null(col, c.kind)} THEN -1 WHEN l.{col} = r.{col} THEN {top} {graded} ELSE 0 END"


def tf_sql(c: Comparison) -> str | None:
    """Frequency of the agreeing value (scalar comparisons; overlaps are joined in `compare`)."""
    if not c.term_frequency or c.kind == "overlap":
        return None
    return f"greatest(l.tf_{c.name}, r.tf_{c.name})"


def overlap_tf_table(con: duckdb.DuckDBPyConnection, c: Comparison, pair_table: str) -> str:
    """Table (l, r, tf): the rarest value two records share, for a term-frequency-adjusted overlap."""
    name = f"tfo_{c.name}"
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE ex_{c.name} AS SELECT rid, unnest({c.column}) AS v FROM rec;
        CREATE OR REPLACE TEMP TABLE tfv_{c.name} AS
            SELECT v, count(DISTINCT rid) / (SELECT count(DISTINCT rid) FROM ex_{c.name}) AS tf
            FROM ex_{c.name} GROUP BY v;
        CREATE OR REPLACE TEMP TABLE {name} AS
            SELECT p.l, p.r, min(t.tf) AS tf FROM {pair_table} p
            JOIN ex_{c.name} a ON a.rid = p.l JOIN ex_{c.name} b ON b.rid = p.r AND a.v = b.v
            JOIN tfv_{c.name} t ON t.v = a.v GROUP BY p.l, p.r"""
    )
    return name


def compare(
    con: duckdb.DuckDBPyConnection,
    config: LinkageConfig,
    pair_table: str,
    out: str,
    tf: bool = True,
    ordered: bool = True,
) -> None:
    """Create table `out`: pair_table's columns + g_<comparison> (+ tf_<comparison> when `tf`), in (l, r)
    order when `ordered` (a rerun then scores and clusters identically)."""
    selects, joins = [], []
    for c in config.comparisons:
        selects.append(f"CAST({gamma_sql(c)} AS TINYINT) AS g_{c.name}")
        if not tf or not c.term_frequency:
            continue
        if c.kind == "overlap":
            table = overlap_tf_table(con, c, pair_table)
            joins.append(f"LEFT JOIN {table} ON {table}.l = p.l AND {table}.r = p.r")
            selects.append(f"{table}.tf AS tf_{c.name}")
        else:
            selects.append(f"{tf_sql(c)} AS tf_{c.name}")
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {out} AS
        SELECT p.*, {", ".join(selects)}
        FROM {pair_table} p JOIN rec l ON l.rid = p.l JOIN rec r ON r.rid = p.r {" ".join(joins)}
        {"ORDER BY p.l, p.r" if ordered else ""}"""
    )
