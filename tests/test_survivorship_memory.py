"""Survivorship within DuckDB's memory bound at scale: int_customers_survived built from generated person records
(4.6M candidate rows) under a 512 MB memory_limit on one thread, where the windows partitioned per customer and
field ran out of memory (as they did at 1.4 GiB on the 333k-customer night's 9.7M candidates)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from test_marts import _silver_frame, dbt, write_parquet

from assets.layout import DataLayout

pytestmark = pytest.mark.slow
RUN = "2026-05-31"
RECORDS, PER_CUSTOMER = 400_000, 4
MEMORY_LIMIT = "512MB"
VARS = {"as_of_date": "2026-06-30", "source_priority": ["src_3", "src_1"]}


def _value(name: str, choices: int, null_one_in: int = 0) -> str:
    """SQL of a field's value for record i: one of `choices` per customer (so values repeat within a customer),
    NULL for about one record in `null_one_in`."""
    value = f"'{name} ' || (hash(i, '{name}') % {choices}) || ' ' || (i // {PER_CUSTOMER} % 1000)"
    if not null_one_in:
        return value
    return f"case when hash(i, '{name} null') % {null_one_in} = 0 then null else {value} end"


def write_people(root: Path) -> None:
    """RECORDS person records of five sources, PER_CUSTOMER per customer (and one customer with every 997th
    record), the linkage xref, and one unlinked row of every other silver entity."""
    lay = DataLayout(root=root, landing=str(root / "landing"), config_dir=root / "config")
    for entity in ["contact", "order", "survey_response", "interaction", "campaign_member", "enrichment"]:
        write_parquet(
            lay.silver(entity, RUN), _silver_frame(entity, [{"source": "none", "person": "none"}], RUN)
        )
    lay.silver("person", RUN).parent.mkdir(parents=True)
    lay.linkage_dir.mkdir(parents=True)
    customer = f"case when i % 997 = 0 then 0 else i // {PER_CUSTOMER} end"
    with duckdb.connect() as con:
        con.execute(f"""
            create table people as
            select i, 'src_' || (i % 5) as source, 'rec-' || i as source_record_id,
                'C' || lpad(cast({customer} as varchar), 9, '0') as customer_id
            from range({RECORDS}) as t(i)
        """)
        con.execute(f"""
            copy (
                select source, source_record_id, 'contact' as entity,
                    {_value("full name", 3)} as full_name, {_value("given", 2)} as given_name,
                    {_value("family", 2, 5)} as family_name, 'latin' as name_script, null::varchar as name_pinyin,
                    [{_value("mail", 3)} || '@example.com'] as emails, [{_value("+86 1380", 4, 3)}] as phones,
                    cast(date '1960-01-01' + cast(hash(i, 'birth') % 3 * 365 + i // {PER_CUSTOMER} % 9000 as integer)
                        as varchar) as birth_date,
                    case hash(i, 'gender') % 3 when 0 then 'f' when 1 then 'm' end as gender,
                    {_value("country", 2)} as country, {_value("province", 2, 3)} as province,
                    {_value("city", 3, 4)} as city, {_value("address line", 4, 2)} as address_norm,
                    {_value("postcode", 2, 3)} as postcode, {_value("company limited", 3, 2)} as company,
                    {_value("title", 2, 3)} as title, {_value("wx", 2, 4)} as wechat_id,
                    case when hash(i, 'undated') % 11 <> 0
                        then timestamp '2026-01-01' + to_days(cast(hash(i, 'day') % 7 as integer)) end as loaded_at
                from people
            ) to '{lay.silver("person", RUN)}' (format parquet)
        """)
        con.execute(f"""
            copy (
                select source, source_record_id, customer_id, 1 as cluster_size, 1.0 as match_probability,
                    timestamp '{RUN} 03:00' as linked_at
                from people
            ) to '{lay.linkage_dir / "customer_xref.parquet"}' (format parquet)
        """)


def test_survivorship_builds_within_a_small_memory_bound(tmp_path):
    data = tmp_path / "data"
    write_people(data)
    (data / "warehouse").mkdir()
    env = {"C360_DBT_MEMORY_LIMIT": MEMORY_LIMIT, "C360_DBT_DUCKDB_THREADS": "1"}
    result = dbt(["run", "--select", "+int_customers_survived"], data, tmp_path, VARS, env)
    assert result.returncode == 0, result.stdout[-3000:]
    with duckdb.connect(str(data / "warehouse" / "customer360.duckdb"), read_only=True) as con:
        candidates, survivors, groups = con.execute("""
            select
                (select count(*) from intermediate.int_customer_attributes_unpivoted),
                (select count(*) from intermediate.int_customers_survived),
                (select count(*) from (select distinct customer_id, field from intermediate.int_customers_survived))
        """).fetchone()
        expected = con.execute("""
            select count(*) from (select distinct customer_id, field from intermediate.int_customer_attributes_unpivoted)
        """).fetchone()[0]
    assert candidates > 4_000_000  # the scale where the fine windows ran out of the bound
    assert survivors == groups == expected  # one value per customer and field that has one
