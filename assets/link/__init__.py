"""Dagster assets of the link step (thin: the work is in linkage/)."""
