-- One row per landed file seen by ingest (empty until ingest has run).
{%- set _lineage = source('ops', 'file_manifest') %}
{{ read_parquet_or_empty(data_path('manifest/files.parquet'), {
    'source': 'varchar', 'key': 'varchar', 'size': 'bigint', 'sha256': 'varchar', 'rows_read': 'bigint',
    'rows_valid': 'bigint', 'rows_quarantined': 'bigint', 'status': 'varchar', 'error': 'varchar',
    'run_date': 'date', 'loaded_at': 'utc_instant'}) }}
