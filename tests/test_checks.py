"""orchestration/checks.py: source freshness and blocking linkage sanity (write-audit-publish)."""

import datetime as dt
import shutil
import threading
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from assets.background import LINKAGE_WRITTEN
from assets.ingest.manifest import append_manifest, empty_manifest
from assets.layout import DataLayout
from assets.partitions import daily_partitions
from assets.settings import Settings
from orchestration.checks import (
    FRESHNESS_CHECK,
    LINKAGE_CHECK,
    XREF_KEY,
    LinkageBounds,
    accepted_snapshot_path,
    build_operational_checks,
    cluster_size_limit,
    evaluate_linkage,
    linkage_problems,
    source_freshness,
    stats_history_path,
)
from tests.checks_frames import cluster_sizes, record_keys, stability, xref_stats


def _manifest(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    frame = empty_manifest()
    new = pd.DataFrame(rows, columns=["source", "status", "run_date"])
    return pd.concat([frame, new], ignore_index=True)


def test_freshness_flags_a_source_that_stopped_delivering() -> None:
    manifest = _manifest(
        [
            ("salesforce", "loaded", "2026-03-09"),
            ("fxiaoke", "loaded", "2026-03-01"),
            ("fxiaoke", "failed", "2026-03-09"),  # a failed file is not a delivery
            ("survey", "loaded", "2026-03-12"),  # after as_of: a backfill of the 10th must not see it
        ]
    )
    table = source_freshness(manifest, ["salesforce", "fxiaoke", "survey", "zoho"], dt.date(2026, 3, 10), 2)
    verdict = table.set_index("source")
    assert verdict.loc["salesforce", "fresh"] and verdict.loc["salesforce", "age_days"] == 1
    assert not verdict.loc["fxiaoke", "fresh"] and verdict.loc["fxiaoke", "age_days"] == 9
    assert "stopped delivering" in verdict.loc["fxiaoke", "reason"]
    # a source whose first delivery came after the day being checked had not started: nothing is stale
    assert verdict.loc["survey", "fresh"] and verdict.loc["survey", "status"] == "not started"
    assert "first file was loaded for 2026-03-12" in verdict.loc["survey", "reason"]
    # a configured source that never delivered anything: a warning that says so, with no age to plot
    assert not verdict.loc["zoho", "fresh"] and verdict.loc["zoho", "status"] == "no data yet"
    assert "no data yet" in verdict.loc["zoho", "reason"] and pd.isna(verdict.loc["zoho", "age_days"])


def test_freshness_limit_per_source() -> None:
    manifest = _manifest([("campaigns", "loaded", "2026-03-01")])
    weekly = source_freshness(manifest, ["campaigns"], dt.date(2026, 3, 7), {"campaigns": 7})
    assert weekly["fresh"].tolist() == [True]


def _xref(clusters: list[int], source: str = "crm") -> pd.DataFrame:
    """Records r0, r1, … of `source`, grouped in order into customers of the given sizes."""
    customers = [c for c, size in enumerate(clusters) for _ in range(size)]
    return pd.DataFrame(
        {
            "source": source,
            "source_record_id": [f"r{i}" for i in range(len(customers))],
            "customer_id": [f"C{c:06d}" for c in customers],
        }
    )


def test_xref_stats() -> None:
    stats = xref_stats(_xref([1, 1, 2, 4]))
    assert stats["records"] == 8 and stats["customers"] == 4
    assert (
        stats["merge_rate"] == 0.5 and stats["multi_record_share"] == 0.75 and stats["max_cluster_size"] == 4
    )


def test_record_keys_hold_no_source_ids() -> None:
    keys = record_keys(_xref([2, 1]))
    assert list(keys.columns) == ["record_key", "customer_id"] and keys["record_key"].nunique() == 3
    assert not keys["record_key"].str.contains("r0|crm").any()


@pytest.mark.parametrize(
    "ids",
    [
        [
            ("salesforce", "0035g000001AAA"),
            ("fxiaoke", "客户编号-7"),
            ("zoho", "a\x1fb"),
            ("x", ""),
            ("é", "ß😀"),
        ],
        [("orders", 12), ("orders", None)],  # not text, or missing: Python's str as before
    ],
)
def test_record_keys_are_the_sha256_the_baseline_was_kept_with(ids: list[tuple[str, object]]) -> None:
    # the accepted run's keys on disk were hashed this way: a changed hash would make every record look new
    import hashlib

    xref = pd.DataFrame(ids, columns=["source", "source_record_id"], dtype=object)
    xref["customer_id"] = (["C1", None] * len(ids))[: len(ids)]
    expected = [hashlib.sha256(f"{s}\x1f{r}".encode()).hexdigest()[:20] for s, r in ids]
    keys = record_keys(xref)
    assert keys["record_key"].tolist() == expected
    assert keys["customer_id"].tolist() == [str(c) for c in xref["customer_id"]]


def test_cluster_sizes_leave_unlinked_records_out() -> None:
    xref = pd.DataFrame({"customer_id": ["C2", None, "C1", "C2", None, "C3", "C2"]})
    assert cluster_sizes(xref).sort_index().to_dict() == {"C1": 1, "C2": 3, "C3": 1}
    assert xref_stats(xref) == xref_stats(xref, cluster_sizes(xref))
    assert xref_stats(xref)["customers"] == 3 and xref_stats(xref)["max_cluster_size"] == 3


def test_linkage_bounds() -> None:
    bounds = LinkageBounds(max_cluster_size=10)
    before = _xref([1] * 80 + [2] * 10)
    baseline = xref_stats(before)
    assert linkage_problems(baseline, None, bounds) == []
    # the same records chained into one giant customer: absolute, relative and stability bounds fire
    after = _xref([1] * 40 + [60])
    stable = stability(record_keys(before), record_keys(after))
    assert stable == {
        "stable_records": 100,
        "customers_before": 90,
        "customers_after": 41,
        "collapse": 0.544444,
    }
    problems = linkage_problems(xref_stats(after), baseline, bounds, stable)
    assert any("gathers 60 records" in p for p in problems)
    assert any("over-merge: the 100 records of both runs went from 90 to 41 customers" in p for p in problems)
    assert any("it was 2 in the last accepted run" in p for p in problems)
    assert all("config/linkage.yaml" in p for p in problems)


def test_cluster_size_limit_scales_with_the_data() -> None:
    bounds = LinkageBounds()
    # First run: healthy sizes (p99 of multi-record customers = 4) → limit 8 × 4 = 32.
    healthy = xref_stats(_xref([1] * 5000 + [2] * 800 + [3] * 150 + [4] * 20))
    assert cluster_size_limit(healthy, None, bounds) == (32, "×8 the 99th percentile multi-record size 4")
    chained = xref_stats(_xref([1] * 5000 + [2] * 800 + [3] * 150 + [4] * 20 + [68]))
    assert any("gathers 68 records (limit 32" in p for p in linkage_problems(chained, None, bounds))
    # Ten times the records: the last accepted run's largest (4) may grow ×3 ×10 = 120, so a real 68 passes…
    big = xref_stats(_xref([1] * 50000 + [2] * 8000 + [3] * 1500 + [4] * 199 + [68]))
    assert cluster_size_limit(big, healthy, bounds)[0] == 120
    assert linkage_problems(big, healthy, bounds) == []
    # …while the same 68 on a file of the same size is chaining.
    same = xref_stats(_xref([1] * 4932 + [2] * 800 + [3] * 150 + [4] * 20 + [68]))
    assert cluster_size_limit(same, healthy, bounds)[0] == 20  # 3 × 4 = 12, below the floor
    assert any("gathers 68 records (limit 20" in p for p in linkage_problems(same, healthy, bounds))
    assert cluster_size_limit(same, healthy, LinkageBounds(max_cluster_size=100)) == (100, "fixed")


def test_a_new_source_linking_into_existing_customers_is_not_an_over_merge() -> None:
    night1 = _xref([1] * 100)
    orders = _xref([1] * 100, source="orders")  # each order's buyer is one of the 100 known customers
    night2 = pd.concat([night1, orders], ignore_index=True)
    stable = stability(record_keys(night1), record_keys(night2))
    assert stable["collapse"] == 0.0
    current = xref_stats(night2)
    assert current["merge_rate"] == 0.5  # jumped from 0, legitimately
    assert linkage_problems(current, xref_stats(night1), LinkageBounds(), stable) == []


@pytest.fixture
def layout(tmp_path: Path) -> DataLayout:
    return DataLayout(
        root=tmp_path / "data", landing=str(tmp_path / "landing"), config_dir=tmp_path / "config"
    )


def _with_unlinked(xref: pd.DataFrame, every: int) -> pd.DataFrame:
    """Every `every`-th record unlinked (no customer_id), as linkage leaves a record with no identifier."""
    out = xref.copy()
    out.loc[out.index % every == 0, "customer_id"] = None
    return out


@pytest.mark.parametrize("encrypted", [False, True])
def test_linkage_sanity_on_the_files_gives_the_frames_figures(
    layout: DataLayout, monkeypatch: pytest.MonkeyPatch, encrypted: bool
) -> None:
    """The check reads, hashes and compares the customer file in DuckDB; its figures, verdict and kept
    baseline are those of the frame functions (pandas) on the same records, plain or encrypted zone files."""
    if encrypted:
        monkeypatch.setenv("C360_ENCRYPTION_KEY", "linkage sanity test key")
    else:
        monkeypatch.delenv("C360_ENCRYPTION_KEY", raising=False)
    from assets.parquet_files import read_parquet, write_parquet_atomic

    night1 = _with_unlinked(_xref([1] * 300 + [2] * 60 + [3] * 20 + [5]), every=7)
    night2 = _with_unlinked(_xref([1] * 280 + [2] * 50 + [3] * 30 + [6] + [1] * 40), every=9)
    path = layout.linkage_dir / "customer_xref.parquet"
    write_parquet_atomic(night1, path)
    first = evaluate_linkage(layout, LinkageBounds(), run_id="n1")
    assert first.passed and first.metadata["records"].value == len(night1)
    kept = read_parquet(accepted_snapshot_path(layout))
    assert kept.equals(record_keys(night1))  # unlinked records kept as customer 'None', as before

    write_parquet_atomic(night2, path)
    second = evaluate_linkage(layout, LinkageBounds(), run_id="n2")
    figures = {k: v.value for k, v in second.metadata.items() if not k.startswith("cluster_size_")}
    for key, value in xref_stats(night2).items():
        assert figures[key] == pytest.approx(value), key
    before, after = record_keys(night1), record_keys(night2)
    common = before.merge(after, on="record_key", suffixes=("_prev", "_cur"))  # the pandas reference
    assert figures["stable/stable_records"] == len(common)
    assert figures["stable/customers_before"] == common["customer_id_prev"].nunique()
    assert figures["stable/customers_after"] == common["customer_id_cur"].nunique()
    assert figures["previous_max_cluster_size"] == xref_stats(night1)["max_cluster_size"]
    assert second.passed and read_parquet(accepted_snapshot_path(layout)).equals(after)


def _pipeline(clusters: dict[str, list[int]]) -> tuple[list, list[str]]:
    """linkage/customer_xref writing the xref of clusters['now'], and a mart built from it."""
    built: list[str] = []

    @dg.asset(key=XREF_KEY)
    def xref(settings: Settings) -> None:
        layout = settings.layout()
        layout.linkage_dir.mkdir(parents=True, exist_ok=True)
        _xref(clusters["now"]).to_parquet(layout.linkage_dir / "customer_xref.parquet")

    @dg.asset(deps=[XREF_KEY])
    def dim_customer() -> None:
        built.append("dim_customer")

    return [xref, dim_customer], built


def _run(
    layout: DataLayout, assets: list, checks: list, partition: str | None = None
) -> dg.ExecuteInProcessResult:
    defs = dg.Definitions(
        assets=assets,
        asset_checks=checks,
        jobs=[dg.define_asset_job("nightly", partitions_def=daily_partitions if partition else None)],
        resources={"settings": Settings(data_dir=str(layout.root))},
    )
    job = defs.resolve_job_def("nightly")
    with dg.DagsterInstance.ephemeral() as instance:
        return job.execute_in_process(instance=instance, raise_on_error=False, partition_key=partition)


def _check_result(result: dg.ExecuteInProcessResult, name: str) -> list[dg.AssetCheckEvaluation]:
    return [e for e in result.get_asset_check_evaluations() if e.check_name == name]


def test_over_merge_blocks_the_marts(layout: DataLayout) -> None:
    clusters = {"now": [1] * 80 + [2] * 10}
    assets, built = _pipeline(clusters)
    checks = build_operational_checks([], bounds=LinkageBounds(max_cluster_size=10))

    first = _run(layout, assets, checks)
    assert first.success and built == ["dim_customer"]
    [verdict] = _check_result(first, LINKAGE_CHECK)
    assert verdict.passed and "first run" in verdict.description
    assert len(pd.read_parquet(stats_history_path(layout))) == 1

    clusters["now"] = [1] * 40 + [60]  # next night: a shared switchboard phone chains 60 records together
    second = _run(layout, assets, checks)
    assert not second.success
    [verdict] = _check_result(second, LINKAGE_CHECK)
    assert not verdict.passed and "gathers 60 records" in verdict.description
    assert "over-merge" in verdict.description
    assert built == ["dim_customer"]  # the mart was not rebuilt from the bad xref
    assert len(pd.read_parquet(stats_history_path(layout))) == 1  # a rejected run is never the baseline

    clusters["now"] = [1] * 82 + [2] * 9  # fixed: compared with the last ACCEPTED run, passes again
    third = _run(layout, assets, checks)
    assert third.success and built == ["dim_customer", "dim_customer"]


def _raw_assets(sources: list[str]) -> dg.AssetsDefinition:
    """`raw/<source>` daily assets: materialised by ingest in the real job; here only the checks run."""
    raw = [dg.AssetSpec(dg.AssetKey(["raw", s]), partitions_def=daily_partitions) for s in sources]

    @dg.multi_asset(specs=raw, can_subset=True)
    def ingest(context: dg.AssetExecutionContext):
        for key in context.selected_asset_keys:
            yield dg.MaterializeResult(asset_key=key)

    return ingest


LOADED = {"size": 1, "sha256": "x", "rows_read": 1, "rows_valid": 1, "rows_quarantined": 0, "rows_erased": 0,
          "error": None, "encoding": "utf-8", "loaded_at": pd.Timestamp("2026-03-10 01:00", tz="UTC"),
          "status": "loaded"}  # fmt: skip


def test_freshness_check_per_source_in_a_partitioned_run(layout: DataLayout) -> None:
    sources = ["salesforce", "fxiaoke"]
    ingest, base = _raw_assets(sources), LOADED
    append_manifest(
        layout,
        [
            {**base, "source": "salesforce", "key": "sf/a.csv", "run_date": "2026-03-10"},
            {**base, "source": "fxiaoke", "key": "fx/a.csv", "run_date": "2026-03-02"},
        ],
    )
    checks = build_operational_checks(sources, max_age_days=3)
    result = _run(layout, [ingest], checks[:1], partition="2026-03-10")
    verdicts = {e.asset_key.path[-1]: e for e in _check_result(result, FRESHNESS_CHECK)}
    assert verdicts["salesforce"].passed
    assert not verdicts["fxiaoke"].passed and "8 days before 2026-03-10" in verdicts["fxiaoke"].description
    assert verdicts["fxiaoke"].severity == dg.AssetCheckSeverity.WARN
    assert result.success  # a late source is flagged, not fatal
    # recorded for the partition checked, with only real figures (no -1 placeholders)
    assert {e.partition for e in verdicts.values()} == {"2026-03-10"}
    assert verdicts["fxiaoke"].metadata["age_days"].value == 8


def test_freshness_after_a_backfill_judges_each_replayed_day(layout: DataLayout) -> None:
    """Backfilling days before a source's loads: not 'no file ever loaded', and each verdict on its own day."""
    sources = ["salesforce", "hubspot"]
    ingest, base = _raw_assets(sources), {**LOADED, "source": "salesforce"}
    append_manifest(
        layout,
        [{**base, "key": "sf/2024-05-01/a.csv", "run_date": "2024-05-01"},
         {**base, "key": "sf/a.csv", "run_date": "2026-03-10"}],
    )  # fmt: skip
    checks = build_operational_checks(sources, max_age_days=3)
    by_day = {}
    for day in ("2024-04-30", "2024-05-02", "2024-06-30"):
        result = _run(layout, [ingest], checks[:1], partition=day)
        by_day[day] = {e.asset_key.path[-1]: e for e in _check_result(result, FRESHNESS_CHECK)}
        assert {e.partition for e in by_day[day].values()} == {day}
    assert by_day["2024-04-30"]["salesforce"].passed  # before its first delivery: not started
    assert by_day["2024-05-02"]["salesforce"].passed
    stale = by_day["2024-06-30"]["salesforce"]
    assert not stale.passed and "last file loaded for 2024-05-01" in stale.description
    never = by_day["2024-06-30"]["hubspot"]
    assert not never.passed and never.description.startswith("hubspot: no data yet")
    assert "age_days" not in never.metadata


def _same_check(a: dg.AssetCheckResult, b: dg.AssetCheckResult) -> None:
    assert (a.passed, a.description) == (b.passed, b.description)
    assert {k: v.value for k, v in a.metadata.items()} == {k: v.value for k, v in b.metadata.items()}


def _night_two_checked_apart(
    layout: DataLayout, tmp_path: Path
) -> tuple[Path, pd.DataFrame, pd.DataFrame, DataLayout, dg.AssetCheckResult]:
    """Night 1's customer file checked (the baseline) in `layout`; night 2's checked in a copy of it: the
    customer file's path, night 2's file, another one, the copy and the check's result there."""
    from assets.parquet_files import write_parquet_atomic

    path = layout.linkage_dir / "customer_xref.parquet"
    write_parquet_atomic(_xref([1] * 300 + [2] * 60 + [3] * 20), path)
    assert evaluate_linkage(layout, LinkageBounds(), run_id="n1").passed
    night2, other_night = _xref([1] * 280 + [2] * 50 + [3] * 30 + [6]), _xref([1] * 200 + [2] * 90 + [4] * 3)
    other = DataLayout(
        root=tmp_path / "here", landing=str(tmp_path / "landing"), config_dir=layout.config_dir
    )
    shutil.copytree(layout.linkage_dir, other.linkage_dir)
    write_parquet_atomic(night2, other.linkage_dir / "customer_xref.parquet")
    return path, night2, other_night, other, evaluate_linkage(other, LinkageBounds(), run_id="n2")


def test_linkage_sanity_figures_computed_ahead_give_the_checks_result(
    layout: DataLayout, tmp_path: Path
) -> None:
    """Figures started in the background once the link step wrote the customer file are taken by the check
    (not computed again) and give the result and the kept baseline of a check that computes them itself; a
    customer file rewritten after they were started is computed again."""
    from assets import background
    from assets.parquet_files import read_parquet, write_parquet_atomic
    from orchestration import checks

    path, night2, rewritten, other, here = _night_two_checked_apart(layout, tmp_path)
    write_parquet_atomic(night2, path)

    computed = []
    real = checks.xref_figures
    checks_figures = lambda layout: (computed.append(threading.current_thread().name), real(layout))[1]  # noqa: E731
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(checks, "xref_figures", checks_figures)
        with background.background_run(checks.planned_xref_figures(layout, True)):
            background.reached(LINKAGE_WRITTEN)
            background._started[-1].join()
            ahead = evaluate_linkage(layout, LinkageBounds(), run_id="n2")
        assert len(computed) == 1 and computed[0].startswith("background:")
        _same_check(ahead, here)
        assert read_parquet(accepted_snapshot_path(layout)).equals(
            read_parquet(accepted_snapshot_path(other))
        )

        computed.clear()
        write_parquet_atomic(night2, path)  # night 3 of the same file, then the file rewritten
        with background.background_run(checks.planned_xref_figures(layout, True)):
            background.reached(LINKAGE_WRITTEN)
            background._started[-1].join()
            write_parquet_atomic(rewritten, path)
            again = evaluate_linkage(layout, LinkageBounds(), run_id="n3")
        assert len(computed) == 2 and computed[1] == threading.current_thread().name
        assert again.metadata["records"].value == len(rewritten)


def test_linkage_sanity_whose_figures_failed_ahead_fails_in_the_check_step(layout: DataLayout) -> None:
    """What raised in the background is done again in the check step: a customer file that cannot be read
    raises there, as it did before; one that failed only in the background (a passing fault) passes."""
    from assets import background
    from orchestration import checks

    path = layout.linkage_dir / "customer_xref.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"not a parquet file")
    with background.background_run(checks.planned_xref_figures(layout, True)):
        background.reached(LINKAGE_WRITTEN)
        background._started[-1].join()
        with pytest.raises(Exception, match=r"(?i)parquet|magic"):
            evaluate_linkage(layout, LinkageBounds(), run_id="n1")

    _xref([1] * 30 + [2] * 6).to_parquet(path)
    with pytest.MonkeyPatch.context() as patched:
        real, failed = checks.xref_figures, []

        def once(layout: DataLayout):
            if not failed:
                failed.append(1)
                raise OSError("a passing fault")
            return real(layout)

        patched.setattr(checks, "xref_figures", once)
        with background.background_run(checks.planned_xref_figures(layout, True)):
            background.reached(LINKAGE_WRITTEN)
            background._started[-1].join()
            assert evaluate_linkage(layout, LinkageBounds(), run_id="n1").passed


def test_linkage_sanity_figures_started_on_the_staged_customer_file_are_taken_only_for_that_file(
    layout: DataLayout, tmp_path: Path
) -> None:
    """Figures started as soon as the link step has written the customer file under its temporary name
    (XREF_STAGED), before its other outputs, are taken by the check when that very file was renamed into place
    (not computed again, the LINKAGE_WRITTEN start skipped), with the result of a check that computes them
    itself; a write that failed (the staged file removed, the old file in place) or a file written after the
    rename are computed again over the file in place."""
    from assets import background
    from assets.background import XREF_STAGED
    from assets.parquet_files import read_parquet, write_parquet_atomic, write_parquet_staged
    from orchestration import checks

    path, night2, other_night, other, here = _night_two_checked_apart(layout, tmp_path)
    baseline = read_parquet(accepted_snapshot_path(layout))

    computed: list[str] = []
    real = checks.xref_figures

    def counted(layout: DataLayout, at: Path | None = None) -> checks.XrefFigures:
        computed.append(threading.current_thread().name)
        return real(layout, at)

    def night(staged_xref: pd.DataFrame, then=None) -> dg.AssetCheckResult:
        """The link step's writes as link_night does them, `then` between the staged write and the rename."""
        computed.clear()
        with background.background_run(checks.planned_xref_figures(layout, True)):
            staged = write_parquet_staged(staged_xref, path)
            background.reached(XREF_STAGED, staged)
            background._started[-1].join()  # done before the rename: the file read is the temporary one
            if then is None:
                staged.replace(path)
            else:
                then(staged)
            background.reached(LINKAGE_WRITTEN)
            return evaluate_linkage(layout, LinkageBounds(), run_id="n2")

    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(checks, "xref_figures", counted)
        ahead = night(night2)
        assert len(computed) == 1 and computed[0].startswith("background:")
        _same_check(ahead, here)
        assert read_parquet(accepted_snapshot_path(layout)).equals(
            read_parquet(accepted_snapshot_path(other))
        )

        # the write failed: the staged file removed, the last accepted file still in place
        write_parquet_atomic(_xref([1] * 300 + [2] * 60 + [3] * 20), path)
        write_parquet_atomic(baseline, accepted_snapshot_path(layout))
        failed = night(night2, then=lambda staged: staged.unlink())
        assert computed[-1] == threading.current_thread().name and len(computed) == 2
        assert failed.metadata["records"].value == 300 + 120 + 60

        # renamed into place, then another file written over it before the check
        rewritten = night(
            night2, then=lambda staged: (staged.replace(path), write_parquet_atomic(other_night, path))
        )
        assert computed[-1] == threading.current_thread().name and len(computed) == 2
        assert rewritten.metadata["records"].value == len(other_night)


def test_staged_customer_file_figures_follow_the_file_renamed_while_they_are_computed(
    layout: DataLayout,
) -> None:
    """The figures of a staged customer file renamed into place while they are computed are those of the file
    (read through a descriptor), and name the identity of the file in place."""
    import os

    from assets.parquet_files import write_parquet_staged
    from orchestration import checks

    path = layout.linkage_dir / "customer_xref.parquet"
    staged = write_parquet_staged(_xref([1] * 30 + [2] * 6), path)
    real, renamed = checks.xref_figures, []

    def rename_first(layout: DataLayout, at: Path | None = None) -> checks.XrefFigures:
        staged.replace(path)
        renamed.append(at)
        return real(layout, at)

    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(checks, "xref_figures", rename_first)
        figures = checks.staged_xref_figures(layout, staged)
    assert renamed and not staged.exists()
    assert figures.file == checks.file_identity(os.stat(path))
    assert figures.figures.current == checks.xref_figures(layout).current
    assert figures.figures.current["records"] == 42
