"""Delivery targets: each publishes staged tables atomically per table, writes a manifest, and can erase a person."""

from __future__ import annotations

from typing import Protocol

from assets.deliver.config import ParquetTarget, PostgresTarget, S3Target
from assets.deliver.staging import StagedTable
from assets.layout import DataLayout
from assets.privacy.matching import ErasureMatcher


class Publisher(Protocol):
    def publish(self, staged: list[StagedTable], manifest: dict) -> str:
        """Make every staged table visible (each atomically), then write the manifest; returns its URI."""

    def erase(self, matcher: ErasureMatcher) -> int:
        """Remove the matched rows from everything delivered so far; returns rows removed."""


def publisher_for(target: ParquetTarget | S3Target | PostgresTarget, layout: DataLayout) -> Publisher:
    if target.kind == "parquet":
        from assets.deliver.targets.folder import FolderPublisher

        return FolderPublisher(target, layout)
    if target.kind == "s3":
        from assets.deliver.targets.s3 import S3Publisher

        return S3Publisher(target)
    from assets.deliver.targets.postgres import PostgresPublisher

    return PostgresPublisher(target)
