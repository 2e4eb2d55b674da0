"""Delivery of the marts to downstream targets (Parquet folder, S3, PostgreSQL), masked per config/delivery.yaml."""
