-- One row per failed check of a quarantined row (empty until validate has quarantined something).
{%- set _lineage = source('ops', 'quarantine') %}
{{ read_parquet_or_empty(data_path('quarantine/*/*/*.parquet'), {
    'source': 'varchar', 'file': 'varchar', 'line': 'bigint', 'column': 'varchar', 'check': 'varchar',
    'raw_value': 'varchar', 'reason': 'varchar', 'run_date': 'date'}) }}
