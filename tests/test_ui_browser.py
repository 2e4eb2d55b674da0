"""What a data engineer does every morning, in a real browser against a real `dagster dev`.

Starts `dagster dev` (workspace.yaml, orchestration/dagster.yaml) on 127.0.0.1 with a temp DAGSTER_HOME and
C360_DATA_DIR filled by `customer360 sample`, then drives Debian's headless chromium: asset graph → job page →
"Materialize all…" with one partition typed in → launch → run page shows Success → asset pages show their
metadata → the HTML run report renders every section. Screenshots go to test-artifacts/ui/.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from browser.chromium import launched, new_page, require_chromium
from browser.dagster_dev import (
    DagsterDev,
    c360_env,
    dagster_dev,
    step_failures,
    stop_standard_sensors,
    wait_for_launch,
    wait_for_run,
    write_sample,
)

from assets.layout import REPO_ROOT
from orchestration.jobs import NIGHTLY_JOB

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(3600)]

ARTIFACTS = REPO_ROOT / "test-artifacts" / "ui"
CUSTOMERS = 300
RUN_TIMEOUT = float(os.environ.get("C360_UI_RUN_TIMEOUT", "2400"))  # the whole nightly job on 2 shared cores
# Yesterday in the partitions' timezone: inside the launch dialog's default "last 90 days" window.
PARTITION = (dt.datetime.now(ZoneInfo(os.environ.get("C360_TIMEZONE", "Asia/Shanghai"))) - dt.timedelta(days=1)).date().isoformat()  # fmt: skip


@pytest.fixture(scope="module")
def chromium() -> Path:
    return require_chromium()  # before anything slow: a missing browser fails at once, clearly


@pytest.fixture(scope="module")
def server(chromium: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DagsterDev]:
    root = tmp_path_factory.mktemp("ui")
    data, home = root / "data", root / "dagster_home"
    data.mkdir()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with dagster_dev(data, home, log=ARTIFACTS / "dagster_dev.log") as running:
        # The landing zone is empty until the landing sensor is off, so only the run launched below loads it.
        stop_standard_sensors(running)
        write_sample(data, c360_env(data, home), CUSTOMERS)
        yield running


@pytest.fixture(scope="module")
def browser(chromium: Path):
    with launched(chromium) as instance:
        yield instance


@pytest.fixture
def page(browser):
    with new_page(browser) as page:
        yield page


def _shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _dismiss_welcome(page) -> None:
    """First visit of a fresh instance shows a 'Join the Dagster community' dialog: skip it."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    with contextlib.suppress(PlaywrightTimeout):  # not shown: already dismissed on this instance
        page.get_by_role("button", name="Skip").click(timeout=5_000)


def test_morning_flow_in_the_dagster_ui(server: DagsterDev, page) -> None:
    try:
        _morning_flow(server, page)
    except BaseException:
        _shot(page, "failure")  # what the page showed when the test gave up
        raise


def _morning_flow(server: DagsterDev, page) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=90_000)  # the UI on 2 busy cores: launching alone can take many seconds

    # 1. the asset graph: every stage's group is on it, the report included
    page.goto(f"{server.url}/asset-groups")
    _dismiss_welcome(page)
    expect(page.get_by_text("Global asset lineage")).to_be_visible()
    for group in ("ingest", "linkage", "report"):
        expect(page.get_by_text(group, exact=True).first).to_be_visible()
    _shot(page, "01_asset_graph")

    # 2. the nightly job, launched for one partition through the launch dialog
    page.goto(f"{server.url}/locations/customer360/jobs/{NIGHTLY_JOB}")
    _dismiss_welcome(page)
    page.get_by_role("button", name="Materialize all…").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text("Partition selection")).to_be_visible()
    partitions = dialog.locator("input:not([type=checkbox])").first
    partitions.fill(PARTITION)
    partitions.press("Enter")
    launch = dialog.get_by_role("button", name="Launch 1 run")
    expect(launch).to_be_enabled()
    _shot(page, "02_launch_partition")
    launch.click()
    # Creating the run (execution plan of ~70 assets) can take a while on a busy machine; the dialog closes then.
    expect(dialog).to_be_hidden(timeout=300_000)

    # 3. the run page: followed live, then its outcome (polled through the GraphQL API the UI itself uses)
    launched = wait_for_launch(server, PARTITION, timeout=120)
    page.goto(f"{server.url}/runs/{launched['runId']}")
    expect(page.get_by_text(NIGHTLY_JOB).first).to_be_visible()
    _shot(page, "03_run_started")
    page.goto("about:blank")  # a live run page re-renders its log constantly: free the CPU for the run
    run = wait_for_run(server, PARTITION, RUN_TIMEOUT)
    page.goto(f"{server.url}/runs/{launched['runId']}")
    _shot(page, "04_run_finished")
    assert run["status"] == "SUCCESS", f"nightly run for {PARTITION} ended {run['status']}:\n" + "\n".join(
        step_failures(server, run["runId"])
    )
    expect(page.get_by_text("Success").first).to_be_visible()

    # 4. asset pages show metadata: the report's links and figures, and a silver table's row count
    page.goto(f"{server.url}/assets/report/run_report")
    expect(page.get_by_text("report_url")).to_be_visible()
    expect(page.get_by_text("linkage/customers")).to_be_visible()
    expect(page.get_by_text("cluster_size_distribution")).to_be_visible()
    _shot(page, "05_asset_run_report")
    page.goto(f"{server.url}/assets/silver/person")
    expect(page.get_by_text("rows_by_source")).to_be_visible()
    _shot(page, "06_asset_silver_person")

    # 5. the HTML run report, as a person opens it from the asset's metadata link
    report = server.data_dir / "reports" / "latest.html"
    assert report.exists(), f"no report at {report}"
    page.goto(report.as_uri())
    for title in ("Data quality by source", "Linkage summary", "Marts: headline figures", "Charts"):
        expect(page.get_by_role("heading", name=title)).to_be_visible()
    for section in ("data-quality", "linkage", "marts"):
        expect(page.locator(f"#{section} .card").first).to_be_visible()  # figures, not "not produced yet"
    expect(page.locator(".problem")).to_have_count(0)
    assert page.locator("#charts svg").count() >= 2
    _shot(page, "07_run_report")
