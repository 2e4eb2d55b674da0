"""The review page in Debian's headless chromium, against the real `customer360 review` on 127.0.0.1.

The sample generator's delivery is linked (the real link asset), the steward opens the page, moves with j/k,
decides two pairs with the keyboard (d: different people, s: same person), and the next night's customer_xref
honours both, with the decision as the evidence in match_pairs. An analyst sees the same page masked.
Screenshots go to test-artifacts/review/.
"""

from __future__ import annotations

import os
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest
from browser.chromium import launched, new_page, require_chromium
from browser.dagster_dev import VENV_BIN, free_port

from assets.layout import REPO_ROOT
from assets.link.defs import link_assets
from assets.parquet_files import read_parquet, write_parquet_atomic
from assets.review.decisions import read_decisions
from assets.sample.person_records import sample_person_records
from assets.settings import Settings

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]

ARTIFACTS = REPO_ROOT / "test-artifacts" / "review"


@pytest.fixture(scope="module")
def chromium() -> Path:
    return require_chromium()


@pytest.fixture(scope="module")
def data_dir(chromium: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("review")
    persons, _ = sample_person_records(root / "work", customers=250)
    data = root / "data"
    write_parquet_atomic(persons, data / "silver" / "person" / "run_date=2026-01-01" / "part.parquet")
    night(data)
    assert len(read_parquet(data / "linkage" / "review_queue.parquet")) >= 3
    return data


def night(data: Path) -> pd.DataFrame:
    assert dg.materialize([link_assets], resources={"settings": Settings(data_dir=str(data))}).success
    return read_parquet(data / "linkage" / "customer_xref.parquet")


def _serve(data: Path, role: str, log: Path) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "C360_DATA_DIR": str(data), "C360_REVIEW_ROLE": role, "C360_REVIEWER": "ana",
           "DO_NOT_TRACK": "1"}  # fmt: skip
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [str(VENV_BIN / "customer360"), "review", "--port", str(port)],
            cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}/"
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    if urllib.request.urlopen(url + "healthz", timeout=5).read() == b"ok":
                        break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        pytest.fail(f"customer360 review did not start: {log.read_text()[-2000:]}")
                    time.sleep(0.5)
            yield url
        finally:
            proc.terminate()
            proc.wait(timeout=30)


@pytest.fixture(scope="module")
def steward_url(data_dir: Path) -> Iterator[str]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    yield from _serve(data_dir, "steward", ARTIFACTS / "steward.log")


@pytest.fixture(scope="module")
def browser(chromium: Path):
    with launched(chromium) as instance:
        yield instance


@pytest.fixture
def page(browser):
    with new_page(browser) as page:
        yield page


def _pair(page) -> tuple[str, str]:
    left, right = page.locator("#pair").inner_text().split(" ↔ ")
    return left.strip(), right.strip()


def _customer(xref: pd.DataFrame, key: str) -> str:
    source, record = key.split(":", 1)
    return xref.set_index(["source", "source_record_id"]).loc[(source, record), "customer_id"]


def test_steward_decides_with_the_keyboard_and_the_next_night_honours_it(page, steward_url, data_dir):
    page.goto(steward_url)
    page.wait_for_selector("#fields")
    assert "steward" in page.locator("#role").inner_text()
    first = _pair(page)
    with page.expect_navigation():
        page.keyboard.press("j")
    second = _pair(page)
    assert second != first and "?i=1" in page.url
    with page.expect_navigation():
        page.keyboard.press("k")
    assert _pair(page) == first
    page.screenshot(path=str(ARTIFACTS / "review.png"))
    total = int(page.locator("#counts").inner_text().split(" of ")[1].split()[0])

    with page.expect_navigation():
        page.keyboard.press("d")  # different people
    assert _pair(page) == second  # the decided pair left the queue, the next took its place
    with page.expect_navigation():
        page.keyboard.press("s")  # same person
    assert f"{total - 2} of {total - 2} pairs" in page.locator("#counts").inner_text()

    log = read_decisions(_layout(data_dir))
    assert log["label"].tolist() == ["non_match", "match"] and set(log["origin"]) == {"page"}
    assert set(log["reviewer"]) == {"ana"} and (log["fingerprint_l"] != "").all()

    xref = night(data_dir)
    assert _customer(xref, first[0]) != _customer(xref, first[1])
    assert _customer(xref, second[0]) == _customer(xref, second[1])
    pairs = read_parquet(data_dir / "linkage" / "match_pairs.parquet")
    steward = pairs[pairs["blocking_rules"].str.startswith("steward")]
    assert sorted(steward["decision"]) == ["match", "non_match"]
    assert steward["note"].str.contains("by ana").all()
    # The next night's queue no longer holds them: the page shows the rest.
    page.goto(steward_url)
    assert _pair(page) not in (first, second)


def test_a_decision_without_the_page_token_is_refused(steward_url, data_dir):
    import urllib.error

    body = b"source_l=crm&id_l=1&source_r=shop&id_r=2&label=match&token=guess"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(urllib.request.Request(steward_url + "decide", data=body), timeout=30)
    assert refused.value.code == 403
    assert not (read_decisions(_layout(data_dir))["id_l"] == "1").any()


def test_filters_and_masking_for_an_analyst(page, data_dir, steward_url):
    page.goto(steward_url)
    page.select_option("select[name=band]", "high")
    with page.expect_navigation():
        page.click("header form button")
    assert "band=high" in page.url
    rows = page.locator("nav a").all_inner_texts()
    assert rows and all("· high ·" in r for r in rows)
    clear = page.locator("#fields").inner_text()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for url in _serve(data_dir, "analyst", ARTIFACTS / "analyst.log"):
        page.goto(url + "?band=high")
        assert "masked" in page.locator("#role").inner_text()
        masked = page.locator("#fields").inner_text()
        assert masked != clear and "*" in masked
        assert "@" not in masked or "***@" in masked


def _layout(root: Path):
    from assets.layout import DataLayout

    return DataLayout(root=root, landing=str(root / "landing"), config_dir=REPO_ROOT / "config")
