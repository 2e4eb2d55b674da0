"""Candidate pairs: several blocking rules OR-ed in DuckDB SQL, pair counts per rule, giant blocks capped."""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from linkage.config import LIST_COLUMNS, LinkageConfig

SEP = "chr(31)"


@dataclass
class BlockingStats:
    pairs_by_rule: dict[str, int] = field(default_factory=dict)  # pairs each rule finds
    new_pairs_by_rule: dict[str, int] = field(default_factory=dict)  # pairs no earlier rule found
    skipped_keys_by_rule: dict[str, int] = field(default_factory=dict)  # keys over max_block_size
    largest_skipped: dict[str, int] = field(default_factory=dict)
    candidate_pairs: int = 0


def _key_sql(columns: list[str]) -> str:
    """SELECT rid, source, key FROM rec: the rule's key per record (one row per list element)."""
    lists = [c for c in columns if c in LIST_COLUMNS]
    parts = [("lv" if c in LIST_COLUMNS else f"CAST({c} AS VARCHAR)") for c in columns]
    null_check = " OR ".join(f"{p} IS NULL OR {p} = ''" for p in parts)
    key = f"CASE WHEN {null_check} THEN NULL ELSE concat_ws({SEP}, {', '.join(parts)}) END"
    inner = f"SELECT rid, source, {', '.join(c for c in columns if c not in LIST_COLUMNS) or 'NULL AS _n'}"
    inner += f", unnest({lists[0]}) AS lv FROM rec" if lists else " FROM rec"
    return f"SELECT DISTINCT rid, source, {key} AS key FROM ({inner})"


def block(con: duckdb.DuckDBPyConnection, config: LinkageConfig) -> BlockingStats:
    """Create table `pairs(l, r, rules)`, l < r, `rules` a bitmask of the rules that pair them."""
    stats = BlockingStats()
    other_source = "AND a.source <> b.source" if config.link_type == "link_only" else ""
    con.execute("CREATE OR REPLACE TEMP TABLE pair_hits (l BIGINT, r BIGINT, rule INTEGER)")
    for k, rule in enumerate(config.blocking.rules):
        cap = rule.max_block_size or config.blocking.max_block_size
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE bk AS SELECT * FROM ({_key_sql(rule.columns)}) WHERE key IS NOT NULL"
        )
        con.execute("CREATE OR REPLACE TEMP TABLE bk_size AS SELECT key, count(*) AS n FROM bk GROUP BY key")
        skipped, largest = con.execute(
            f"SELECT count(*), coalesce(max(n), 0) FROM bk_size WHERE n > {cap}"
        ).fetchone()
        con.execute(
            f"""INSERT INTO pair_hits
            SELECT DISTINCT a.rid, b.rid, {k} FROM bk a JOIN bk b ON a.key = b.key AND a.rid < b.rid {other_source}
            WHERE a.key IN (SELECT key FROM bk_size WHERE n BETWEEN 2 AND {cap})"""
        )
        stats.skipped_keys_by_rule[rule.name] = int(skipped)
        stats.largest_skipped[rule.name] = int(largest) if skipped else 0
    con.execute(
        """CREATE OR REPLACE TEMP TABLE pairs AS
        SELECT l, r, CAST(bit_or(CAST(1 AS BIGINT) << rule) AS BIGINT) AS rules, min(rule) AS first_rule
        FROM pair_hits GROUP BY l, r ORDER BY l, r"""
    )
    by_rule = dict(con.execute("SELECT rule, count(*) FROM pair_hits GROUP BY rule").fetchall())
    first = dict(con.execute("SELECT first_rule, count(*) FROM pairs GROUP BY first_rule").fetchall())
    for k, rule in enumerate(config.blocking.rules):
        stats.pairs_by_rule[rule.name] = int(by_rule.get(k, 0))
        stats.new_pairs_by_rule[rule.name] = int(first.get(k, 0))
    stats.candidate_pairs = int(con.execute("SELECT count(*) FROM pairs").fetchone()[0])
    con.execute("DROP TABLE pair_hits")
    return stats
