"""The in-process executor inside the run guard (orchestration/run_guard.py): runs launched by the daemon (UI,
schedule, sensor) hold the same writer lock as `customer360 run`, and reap dead runs before they write."""

from __future__ import annotations

from collections.abc import Collection, Iterator

import dagster as dg
from dagster._core.definitions.executor_definition import IN_PROC_CONFIG, _core_in_process_executor_creation
from dagster._core.executor.in_process import InProcessExecutor

from assets.background import LINKAGE_WRITTEN, Plan, background_run, merged_plans
from assets.dbt.defs import warm_dbt_pays, warm_up_parse
from assets.dbt.warm import warm_dbt
from assets.frozen_heap import frozen_heap
from assets.layout import DataLayout
from assets.link.prefetch import planned_link_reads
from assets.report.build import planned_early_sections
from assets.report.defs import REPORT_KEY
from assets.review.defs import planned_queue_reads
from assets.settings import settings_from_env
from orchestration.checks import LINKAGE_CHECK, XREF_KEY, planned_xref_figures
from orchestration.event_log_sync import held_event_log
from orchestration.run_guard import guarded_run

DBT_STEP = "customer360_dbt_assets"  # the @dbt_assets op (assets/dbt/defs.py)
LINK_STEP = "link"  # the linkage multi-asset (assets/link/defs.py)
# the customer file's blocking check (orchestration/checks.py)
LINKAGE_CHECK_STEP = f"{XREF_KEY.to_python_identifier()}_{LINKAGE_CHECK}"
PARTITION = "dagster/partition"  # the run's tag naming its daily partition (the report's run_date)
REPORT_STEP = REPORT_KEY.to_python_identifier()  # the run report (assets/report/defs.py)
REVIEW_STEP = (
    "review__queue"  # the step the job runs between the linkage check and dbt (assets/review/defs.py)
)


def links_everything(run_config: dict) -> bool:
    """Whether the run's link step is asked to re-link every record (its `full_refresh` or `refit` config)."""
    link = ((run_config or {}).get("ops") or {}).get("link") or {}
    config = link.get("config") or {}
    return bool(config.get("full_refresh") or config.get("refit"))


def planned_background_work(
    layout: DataLayout, incremental: bool, run_date: str | None, steps: Collection[str] | None = None
) -> Plan:
    """What a night that links incrementally does ahead in the background (assets/background.py): the link
    step's reads of last night's linkage once the erasure step is done, the linkage check's figures once the
    link step has written the customer file (under its temporary name), the review queue's reads once the link
    step's outputs are in place (beside the check), the report's sections that do not read the warehouse (for the
    run's partition) once the check has passed and the review queue is done (not beside it), while dbt builds
    the marts. `steps`: those the run executes
    (None: all). A full night does none of it: its peak memory is the link step's, which nothing should sit
    beside."""
    runs = lambda step: incremental and (steps is None or step in steps)  # noqa: E731
    after = REVIEW_STEP if runs(REVIEW_STEP) else LINKAGE_CHECK_STEP
    report_after = after if runs(LINKAGE_CHECK_STEP) and runs(REPORT_STEP) else None
    return merged_plans(
        planned_link_reads(layout, runs(LINK_STEP)),
        planned_xref_figures(layout, runs(LINKAGE_CHECK_STEP)),
        planned_queue_reads(layout, LINKAGE_WRITTEN if runs(LINK_STEP) and runs(REVIEW_STEP) else None),
        planned_early_sections(layout, run_date, report_after),
    )


class GuardedInProcessExecutor(InProcessExecutor):
    def execute(self, plan_context, execution_plan) -> Iterator[dg.DagsterEvent]:
        layout = settings_from_env().layout()  # the deployment's data directory (C360_DATA_DIR)
        incremental = warm_dbt_pays(layout, links_everything(plan_context.dagster_run.run_config))
        steps = execution_plan.step_keys_to_execute
        with (
            guarded_run(
                plan_context.instance,
                layout.root,
                layout.warehouse,
                plan_context.dagster_run.run_id,
                plan_context.log.warning,
            ),
            # dbt imported and the project parsed beside ingest and linkage (assets/dbt/warm.py)
            warm_dbt(DBT_STEP in steps and incremental, warm_up_parse(layout)),
            # the second core's work (assets/background.py)
            background_run(
                planned_background_work(
                    layout, incremental, plan_context.dagster_run.tags.get(PARTITION), steps
                )
            ),
            frozen_heap(),  # the collection after each step skips what the whole run keeps
            held_event_log(plan_context.instance, plan_context.dagster_run.run_id),  # no flush per event
        ):
            yield from super().execute(plan_context, execution_plan)


@dg.executor(name="guarded_in_process", config_schema=IN_PROC_CONFIG)
def guarded_in_process_executor(init_context) -> GuardedInProcessExecutor:
    """`in_process_executor` with the run guard around the whole run."""
    inner = _core_in_process_executor_creation(init_context.executor_config)
    return GuardedInProcessExecutor(
        retries=inner.retries,
        step_dependency_config=inner.step_dependency_config,
        marker_to_close=inner.marker_to_close,
    )
