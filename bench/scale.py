# ruff: noqa: E402
"""Scale benchmark: the nightly job on the sample at `--customers`, a full night, a night with 1% new records,
a night with no new files, beside Splink's dedupe of the same person records, in ONE run.

    uv run python bench/scale.py                    # 150,000 customers (~1M source rows); long
    uv run python bench/scale.py --customers 20000  # a quicker look

Each night runs the real Dagster job (ingest → validate → standardise → link → dbt → delivery → report) as
`customer360 run` does (the SQLite instance in <workdir>/dagster_home, its event log and run guard) in a
fresh process, so its peak RSS is its own (max of the job process and its dbt subprocess). Per-stage seconds
come from the run's step events. After night 2 the linkage is also run as a full rebuild on the same records
(the stored model, as `--full-refresh`), and the customer ids of the incremental night are compared with it. Cluster-pair F1 is
night 1's customer file against the sample's truth. The load average is printed: the machine is shared.
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import argparse
import contextlib
import json
import os
import resource
import shutil
import subprocess
import tempfile
import time

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")
NIGHTS = ("2026-01-01", "2026-01-02", "2026-01-03")


def _peak_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(max(own, children) / 1024, 1)  # KiB on Linux


class RssSampler:
    """Resident memory of this process and its children (dbt) every `every` seconds, with the wall-clock time,
    so each step's peak can be read off its start and end (`peak_between`). Sampled by a process of its own
    (`child_rss`): walking the process tree in a thread of the night's process held its GIL ~5 ms a sample
    (0.6 s of a 1% night's CPU at 150k customers), taken from the steps being measured."""

    def __init__(self, every: float = 0.25) -> None:
        self.samples: list[tuple[float, float]] = []
        handle, name = tempfile.mkstemp(prefix="c360-rss-", suffix=".txt")
        os.close(handle)
        self._path = Path(name)
        spec = f"{os.getpid()},{every},{self._path}"
        self._proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--child", "rss", "--arg", spec],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        )  # fmt: skip

    def stop(self) -> None:
        self._proc.terminate()
        self._proc.wait()
        lines = self._path.read_text().splitlines()
        self._path.unlink()
        self.samples = [
            (float(t), float(mb)) for t, mb in (line.split() for line in lines if line.count(" ") == 1)
        ]

    def peak_between(self, start: float, end: float) -> float:
        return round(max((mb for t, mb in self.samples if start <= t <= end), default=0.0), 1)


def child_rss(spec: str) -> dict:
    """The sampler of RssSampler: `pid,every,path`; appends `time MB` lines to path (the RSS of pid and its
    descendants, this process left out) until pid has ended or it is terminated."""
    import psutil

    pid, every, path = spec.split(",", 2)
    watched, me = psutil.Process(int(pid)), os.getpid()
    with open(path, "a", buffering=1) as out:
        while watched.is_running():
            total = 0
            for proc in [watched, *watched.children(recursive=True)]:
                if proc.pid != me:
                    with contextlib.suppress(psutil.Error):  # a child that just exited
                        total += proc.memory_info().rss
            out.write(f"{time.time()} {total / 2**20}\n")
            time.sleep(float(every))
    return {}


def child_night(partition: str) -> dict:
    """One nightly run as `customer360 run` makes it (orchestration/run_once.run_nightly: the SQLite instance in
    DAGSTER_HOME with its event log, the run guard), in this process; C360_DATA_DIR, C360_LANDING and
    DAGSTER_HOME set by the parent."""
    from assets.settings import settings_from_env
    from orchestration.instance import open_instance
    from orchestration.run_once import run_nightly

    sampler = RssSampler()
    with open(os.devnull, "w") as progress:
        outcome = run_nightly(partition, settings_from_env().layout(), out=progress)
    sampler.stop()
    with open_instance() as instance:
        entries = instance.all_logs(outcome.run_id)
    wall = outcome.seconds
    starts, stages, peaks, skipped = {}, {}, {}, []
    for entry in entries:
        if entry.dagster_event is None:
            continue
        kind, step = entry.dagster_event.event_type_value, entry.step_key
        if kind == "STEP_START":
            starts[step] = entry.timestamp
        elif kind in ("STEP_SUCCESS", "STEP_FAILURE") and step in starts:
            stages[step] = round(entry.timestamp - starts[step], 1)
            peaks[step] = sampler.peak_between(starts[step], entry.timestamp)
        elif kind == "STEP_SKIPPED":
            skipped.append(step)
    return {"success": outcome.success, "wall_s": round(wall, 1), "stages_s": _grouped(stages),
            "peak_rss_mb_by_stage": _grouped(peaks, combine=max), "skipped_steps": sorted(skipped),
            "peak_rss_mb": _peak_mb()}  # fmt: skip


def _grouped(stages: dict[str, float], combine=lambda a, b: a + b) -> dict[str, float]:
    """Steps combined by stage (seconds summed, peaks maxed): ingest (raw + validation per source),
    standardise, link, dbt, deliver, other."""
    out: dict[str, float] = {}
    for step, seconds in stages.items():
        name = step.lower()
        stage = next(
            (s for s in ("standardise", "link", "dbt", "deliver", "report", "erasure") if s in name),
            "ingest" if ("raw" in name or "bronze" in name or "ingest" in name or "ops" in name) else "other",
        )
        out[stage] = round(combine(out.get(stage, 0.0), seconds), 1)
    return out


def child_compare_full(workdir: Path) -> dict:
    """Night 2's records linked by a full rebuild with the stored model (`--full-refresh`) from night 1's
    customer file, with the references sources.yaml declares as the night links them: same ids, and the same
    review pairs (the clerical review queue)?"""
    import pandas as pd
    import pyarrow.parquet as pq

    from assets.layout import REPO_ROOT
    from assets.link.inputs import declared_references
    from assets.link.io import read_person_glob, read_state
    from linkage.config import load_linkage_config
    from linkage.engine import link
    from linkage.pair_table import OrderedPairs

    data = workdir / "data"
    persons = read_person_glob(str(data / "silver" / "person" / "*" / "*.parquet"))
    night1 = pd.read_parquet(workdir / "night1_xref.parquet")
    started = time.perf_counter()
    model, _ = read_state(data / "linkage")
    references = declared_references(REPO_ROOT / "config")
    full = link(persons, load_linkage_config(), previous_xref=night1, run_id="full-rebuild", model=model,
                references=references)  # fmt: skip
    seconds = time.perf_counter() - started
    night2 = pd.read_parquet(data / "linkage" / "customer_xref.parquet")
    keys = ["source", "source_record_id"]
    a = full.xref.set_index(keys)["customer_id"].fillna("")  # "": unlinked rows, no customer id
    b = night2.set_index(keys)["customer_id"].reindex(a.index).fillna("")
    pairs = full.pairs.to_table() if isinstance(full.pairs, OrderedPairs) else full.pairs
    rows = [_pair_rows(p) for p in (pairs, pq.read_table(data / "linkage" / "match_pairs.parquet"))]
    review = [{r[:4] for r in side if r[4] == "review"} for side in rows]
    return {"records": len(a), "different_ids": int((a != b).sum()), "review_pairs": len(review[0]),
            "different_review_pairs": len(review[0] ^ review[1]),
            "different_pair_decisions_or_notes": len(rows[0] ^ rows[1]), "full_link_s": round(seconds, 1),
            "peak_rss_mb": _peak_mb()}  # fmt: skip


def _pair_rows(pairs) -> set[tuple]:
    """(source_l, id_l, source_r, id_r, decision, note) of each pair of a pairs table (pandas or Arrow)."""
    columns = ["source_l", "id_l", "source_r", "id_r", "decision", "note"]
    frame = pairs[columns] if hasattr(pairs, "iloc") else pairs.select(columns).to_pandas()
    return set(map(tuple, frame.fillna("").astype(str).to_numpy()))


def child_f1(workdir: Path) -> dict:
    import pandas as pd

    from linkage.datasets import record_keys
    from linkage.evaluate import evaluate_clusters

    xref = pd.read_parquet(workdir / "night1_xref.parquet")
    truth = pd.read_csv(workdir / "gen" / "truth" / "ground_truth.csv", dtype=str)
    predicted = pd.Series(xref["customer_id"].to_numpy(), index=record_keys(xref).to_numpy())
    true = pd.Series(truth["true_customer_id"].to_numpy(), index=record_keys(truth).to_numpy())
    both = predicted.index.intersection(true.index)
    scores = evaluate_clusters(predicted[both], true[both])
    sizes = xref.groupby("customer_id").size()
    return {k: round(float(v), 5) for k, v in scores.items()} | {"max_cluster_size": int(sizes.max())}


def child_splink(workdir: Path) -> dict:
    from assets.link.io import read_person_glob
    from bench.linkage import Dataset, run_splink

    persons = read_person_glob(str(workdir / "data" / "silver" / "person" / "*" / "*.parquet"))
    started = time.perf_counter()
    import pandas as pd

    _, pairs = run_splink(Dataset("scale", persons, pd.DataFrame({"a": [], "b": []})))
    return {"records": len(persons), "seconds": round(time.perf_counter() - started, 1), "pairs": pairs,
            "peak_rss_mb": _peak_mb()}  # fmt: skip


CHILDREN = {
    "night": child_night,
    "rss": child_rss,
    "compare-full": child_compare_full,
    "f1": child_f1,
    "splink": child_splink,
}


def _spawn(workdir: Path, what: str, arg: str) -> dict:
    home = workdir / "dagster_home"  # the nights' Dagster instance, as `make install` sets it up
    if not (home / "dagster.yaml").exists():
        home.mkdir(parents=True, exist_ok=True)
        shutil.copy(_HERE.parent / "orchestration" / "dagster.yaml", home / "dagster.yaml")
    env = {
        **os.environ,
        "C360_DATA_DIR": str(workdir / "data"),
        "C360_LANDING": str(workdir / "landing"),
        "DAGSTER_HOME": str(home),
    }
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, __file__, "--child", what, "--arg", arg],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if out.returncode != 0:
        row = {
            "error": out.stderr.strip().splitlines()[-3:] or ["failed"],
            "wall_s": time.perf_counter() - started,
        }
        print(json.dumps({"step": what, "arg": arg, **row}), flush=True)
        return row
    row = json.loads(out.stdout.strip().splitlines()[-1])
    row.setdefault("wall_s", round(time.perf_counter() - started, 1))
    print(json.dumps({"step": what, "arg": arg, **row}), flush=True)  # progress of a long run
    return row


def _land(generated: Path, landing: Path, day: str, link: bool = False) -> int:
    """Move a generated delivery under landing/<source>/<day>/ (the day's partition); `link`: symlink its
    files there instead (a sample generated once and shared read-only, `--sample`)."""
    files = 0
    for path in sorted((generated / "landing").rglob("*")):
        if path.is_file():
            target = landing / path.relative_to(generated / "landing").parent / day / path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            if link:
                target.symlink_to(path.resolve())
            else:
                shutil.move(str(path), target)
            files += 1
    return files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=150_000)
    parser.add_argument("--new-share", type=float, default=0.01)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--no-splink", action="store_true")
    parser.add_argument(
        "--sample", type=Path, default=None,
        help="an already generated sample of --customers (landing/ and truth/, read only) instead of generating",
    )  # fmt: skip
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    parser.add_argument("--arg", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        arg = args.arg if args.child in ("night", "rss") else Path(args.arg)
        print(json.dumps(CHILDREN[args.child](arg)))
        return

    from assets.sample import generate_sample

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="c360-scale-"))
    report: dict[str, object] = {"customers": args.customers, "load_average_start": os.getloadavg()}
    started = time.perf_counter()
    rows: dict[str, dict] = {}
    if not (workdir / "night1_xref.parquet").exists():  # else: resume a run that got past night 1
        if args.sample is not None:  # night 1's files linked from it, its truth read where it is
            workdir.mkdir(parents=True, exist_ok=True)
            (workdir / "gen").symlink_to(args.sample.resolve())
        else:
            generate_sample(workdir / "gen", customers=args.customers, seed=7)
            report["generate_s"] = round(time.perf_counter() - started, 1)
        report["files_night1"] = _land(
            workdir / "gen", workdir / "landing", NIGHTS[0], args.sample is not None
        )
        rows["full night"] = _spawn(workdir, "night", NIGHTS[0])
        shutil.copy(workdir / "data" / "linkage" / "customer_xref.parquet", workdir / "night1_xref.parquet")
    report["accuracy_night1"] = _spawn(workdir, "f1", str(workdir))
    new = max(int(args.customers * args.new_share), 20)  # the generator plants traps: needs a few people
    generate_sample(workdir / "gen2", customers=new, seed=8)
    report["files_night2"] = _land(workdir / "gen2", workdir / "landing", NIGHTS[1])
    rows[f"{args.new_share:.0%} new night"] = _spawn(workdir, "night", NIGHTS[1])
    report["incremental_vs_full_rebuild"] = _spawn(workdir, "compare-full", str(workdir))
    rows["no new files"] = _spawn(workdir, "night", NIGHTS[2])
    if not args.no_splink:
        rows["Splink dedupe (person records)"] = _spawn(workdir, "splink", str(workdir))
    report["load_average_end"] = os.getloadavg()
    stages = sorted({s for r in rows.values() for s in r.get("stages_s", {})})
    print(f"\n{'run':<32}{'wall s':>9}{'peak RSS MB':>13}  " + "  ".join(f"{s:>11}" for s in stages))
    for name, row in rows.items():
        cells = "  ".join(f"{row.get('stages_s', {}).get(s, ''):>11}" for s in stages)
        print(
            f"{name:<32}{row.get('wall_s', row.get('seconds', '')):>9}{row.get('peak_rss_mb', ''):>13}  {cells}"
        )
    report["runs"] = rows
    report["workdir"] = str(workdir)
    print(json.dumps(report, default=str))


if __name__ == "__main__":
    main()
