"""Validation: pandera schemas per entity + source; valid rows → bronze, failing rows → quarantine."""

from assets.validate.validate import ValidationResult, build_schema, validate_partition, validate_source

__all__ = ["ValidationResult", "build_schema", "validate_partition", "validate_source"]
