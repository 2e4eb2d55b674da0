"""Standardise in worker processes: the same files as in one process, in order, and clean failures."""

from concurrent.futures.process import BrokenProcessPool
from types import SimpleNamespace

import pandas as pd
import pyarrow as pa
import pytest

from assets.crash_points import ENV as KILL_AT
from assets.entities import ENTITIES
from assets.layout import DataLayout
from assets.standardise.partition import PERSON, standardise_partition
from assets.standardise.workers import (
    KILL_WORKER,
    ROWS_PER_WORKER,
    Batch,
    in_order,
    worker_count,
    workers_for,
)

DAY = "2024-03-16"


@pytest.fixture
def layout(tmp_path):
    return DataLayout(root=tmp_path, landing=str(tmp_path / "landing"), config_dir=tmp_path)


def _orders(n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "order_id": [f"SO-{i}" for i in range(n)],
            "customer_ref": [f"C{i % 4}" if i % 3 else None for i in range(n)],
            "full_name": [("张伟", "Li Na", "WANG Wei", "陳大文")[i % 4] for i in range(n)],
            "email": [f"User.{i % 5}@163.com " for i in range(n)],
            "phone_mobile": [f"+86 138-1234-{5670 + i % 7}" for i in range(n)],
            "order_date": [("03/15/2024", "2024-03-16", "not a date")[i % 3] for i in range(n)],
            "amount": [f"{i},299.00" for i in range(n)],
            "_source": ["shop"] * n,
            "_file": ["orders.xlsx"] * n,
            "_line": list(range(2, n + 2)),
        }
    )


def _night(layout) -> list:
    for name, part in (("shop", 0), ("store", 1)):
        bronze = layout.bronze(name, DAY)
        bronze.mkdir(parents=True, exist_ok=True)
        _orders(7 + part).to_parquet(bronze / "a.parquet")
        _orders(3).to_parquet(bronze / "b.parquet")
    return [
        SimpleNamespace(name=name, entity="order", date_formats=["%m/%d/%Y"], phone_region="CN")
        for name in ("shop", "store")
    ]


def _files(layout) -> dict[str, bytes]:
    return {name: layout.silver(name, DAY).read_bytes() for name in (*ENTITIES, PERSON)}


def test_workers_write_the_same_files_as_one_process(layout):
    sources = _night(layout)
    alone = standardise_partition(layout, sources, DAY, batch_rows=2, workers=1)
    expected = _files(layout)
    pooled = standardise_partition(layout, sources, DAY, batch_rows=2, workers=2)
    assert _files(layout) == expected  # byte for byte: batches written in the order they were read
    assert pooled.rows == alone.rows and pooled.rows_by_source == alone.rows_by_source
    assert pooled.persons == alone.persons


@pytest.mark.timeout(180)
def test_a_killed_worker_fails_the_step_and_keeps_the_previous_files(layout, monkeypatch):
    sources = _night(layout)
    standardise_partition(layout, sources, DAY, batch_rows=2, workers=1)
    before = _files(layout)
    monkeypatch.setenv(KILL_AT, KILL_WORKER)  # spawned workers inherit it and SIGKILL themselves
    with pytest.raises(BrokenProcessPool):
        standardise_partition(layout, sources, DAY, batch_rows=2, workers=2)
    assert _files(layout) == before
    assert not list((layout.root / "silver").rglob("*.tmp"))


def test_a_workers_error_reaches_the_step_with_its_type():
    rows = pa.table({"order_id": ["1"]})
    batches = [Batch(rows, "no_such_entity", "shop", "CN", (), True, None)] * 3
    with pytest.raises(KeyError, match="no_such_entity"):
        list(in_order(batches, workers=2))


@pytest.mark.parametrize(
    ("env", "expected"),
    [({"C360_WORKERS": "1"}, 1), ({"C360_WORKERS": " 3 "}, 3), ({"C360_WORKERS": "64"}, 8)],
)
def test_worker_count_from_the_environment(env, expected):
    assert worker_count(env) == expected


def test_worker_count_defaults_to_one_process_and_names_a_bad_value():
    assert worker_count({}) == 1
    with pytest.raises(ValueError, match="C360_WORKERS='two'"):
        worker_count({"C360_WORKERS": "two"})
    with pytest.raises(ValueError, match="at least 1"):
        worker_count({"C360_WORKERS": "0"})


def test_a_small_night_is_standardised_in_the_steps_own_process():
    assert workers_for(10_000, 4) == 1  # starting a worker would cost more than the night
    assert workers_for(3 * ROWS_PER_WORKER, 2) == 2
    assert workers_for(3 * ROWS_PER_WORKER, 8) == 3
    assert workers_for(0, 1) == 1
