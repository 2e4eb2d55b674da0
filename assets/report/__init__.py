"""The self-contained HTML run report (`build_report`) and its Dagster asset (`assets.report.defs`)."""

from assets.report.build import build_report, make_report

__all__ = ["build_report", "make_report"]
