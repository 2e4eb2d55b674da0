-- Per source and run: files landed/loaded/failed and rows read/valid/quarantined (file manifest), and
-- the quarantined rows broken down by failed check and column (quarantine). check = '(all)' is the
-- run total.
with manifest as (
    select
        source,
        run_date,
        count(*) as files_seen,
        count(*) filter (where status = 'loaded') as files_loaded,
        count(*) filter (where status = 'duplicate') as files_duplicate,
        count(*) filter (where status = 'failed') as files_failed,
        count(*) filter (where status = 'skipped') as files_skipped,
        cast(sum(rows_read) as bigint) as rows_read,
        cast(sum(rows_valid) as bigint) as rows_valid,
        cast(sum(rows_quarantined) as bigint) as rows_quarantined
    from {{ ref('stg_ops__file_manifest') }}
    group by source, run_date
),

failures as (
    select
        source,
        run_date,
        coalesce({{ adapter.quote('check') }}, '(all)') as {{ adapter.quote('check') }},
        coalesce({{ adapter.quote('column') }}, '(all)') as {{ adapter.quote('column') }},
        count(*) as failures,
        count(distinct file || chr(31) || cast(line as {{ string_type() }})) as rows_affected
    from {{ ref('stg_ops__quarantine') }}
    group by grouping sets ((source, run_date, {{ adapter.quote('check') }}, {{ adapter.quote('column') }}), (source, run_date))
),

runs as (
    select source, run_date from manifest
    union
    select source, run_date from failures
)

select
    {{ surrogate_key(['runs.source', 'runs.run_date', 'f.' ~ adapter.quote('check'), 'f.' ~ adapter.quote('column')]) }} as summary_key,
    runs.source,
    runs.run_date,
    coalesce(f.{{ adapter.quote('check') }}, '(all)') as failed_check,
    coalesce(f.{{ adapter.quote('column') }}, '(all)') as failed_column,
    coalesce(f.failures, 0) as failures,
    coalesce(f.rows_affected, 0) as rows_affected,
    m.files_seen,
    m.files_loaded,
    m.files_duplicate,
    m.files_failed,
    m.files_skipped,
    m.rows_read,
    m.rows_valid,
    m.rows_quarantined,
    round(m.rows_quarantined / nullif(m.rows_read, 0), 4) as quarantine_rate
from runs
left join failures as f on f.source = runs.source and f.run_date is not distinct from runs.run_date
left join manifest as m on m.source = runs.source and m.run_date is not distinct from runs.run_date
