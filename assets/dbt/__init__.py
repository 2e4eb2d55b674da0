"""The dbt project (dbt_project/) as Dagster assets: one asset per model/seed/snapshot, dbt tests as checks."""
