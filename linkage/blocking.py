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
    """Create table `pairs(l, r, rules, first_rule)`, l < r, `rules` a bitmask of the rules that pair them."""
    stats = BlockingStats()
    rules = config.blocking.rules
    other_source = "AND a.source <> b.source" if config.link_type == "link_only" else ""
    keys = " UNION ALL ".join(
        f"SELECT {k} AS rule, rid, source, key FROM ({_key_sql(rule.columns)}) WHERE key IS NOT NULL"
        for k, rule in enumerate(rules)
    )
    caps = " UNION ALL ".join(
        f"SELECT {k} AS rule, {rule.max_block_size or config.blocking.max_block_size} AS cap"
        for k, rule in enumerate(rules)
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE bk AS {keys}")
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE bk_size AS
        SELECT s.rule, s.key, s.n, s.n > c.cap AS skipped
        FROM (SELECT rule, key, count(*) AS n FROM bk GROUP BY rule, key) s JOIN ({caps}) c USING (rule)"""
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE pairs AS
        WITH kept AS (
            SELECT bk.* FROM bk JOIN bk_size s USING (rule, key) WHERE NOT s.skipped AND s.n >= 2
        ), hits AS (
            SELECT DISTINCT a.rule, a.rid AS l, b.rid AS r
            FROM kept a JOIN kept b ON a.rule = b.rule AND a.key = b.key AND a.rid < b.rid {other_source}
        )
        SELECT l, r, CAST(bit_or(CAST(1 AS BIGINT) << rule) AS BIGINT) AS rules, min(rule) AS first_rule,
            list(rule ORDER BY rule) AS rule_list
        FROM hits GROUP BY l, r ORDER BY l, r"""
    )
    skipped = {
        k: (n, largest)
        for k, n, largest in con.execute(
            "SELECT rule, count(*), max(n) FROM bk_size WHERE skipped GROUP BY rule"
        ).fetchall()
    }
    by_rule = dict(con.execute("SELECT unnest(rule_list) AS rule, count(*) FROM pairs GROUP BY 1").fetchall())
    first = dict(con.execute("SELECT first_rule, count(*) FROM pairs GROUP BY first_rule").fetchall())
    for k, rule in enumerate(rules):
        stats.pairs_by_rule[rule.name] = int(by_rule.get(k, 0))
        stats.new_pairs_by_rule[rule.name] = int(first.get(k, 0))
        stats.skipped_keys_by_rule[rule.name] = int(skipped.get(k, (0, 0))[0])
        stats.largest_skipped[rule.name] = int(skipped.get(k, (0, 0))[1])
    stats.candidate_pairs = int(con.execute("SELECT count(*) FROM pairs").fetchone()[0])
    con.execute("ALTER TABLE pairs DROP COLUMN rule_list; DROP TABLE bk; DROP TABLE bk_size")
    return stats
