"""Ingestion throughput: a 1,000,000-row gzip contacts CSV through ingest + validate, against named peers.

Peers, timed in the same run on the same file: plain `pandas.read_csv` → Parquet and DuckDB `read_csv` →
Parquet (neither detects encodings, keeps line numbers, validates or quarantines). Each contender runs in a
fresh subprocess so peak RSS is its own. Target: ≥ 200k rows/s and < 1 GB RSS for customer360.

    uv run python bench/ingest.py [--rows 1000000] [--dir /tmp/c360-bench]
"""

from __future__ import annotations

import argparse
import gzip
import json
import multiprocessing as mp
import os
import resource
import shutil
import sys
import time
from pathlib import Path
from queue import Empty

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

HEADER = "Contact ID,First Name,Last Name,Email,Phone,Mobile,Mailing City,Mailing Country,Birthdate,Created Date,Lead Source,Customer Tier\n"
SOURCE = {
    "name": "bench",
    "entity": "contact",
    "glob": "bench/*.csv.gz",
    "primary_key": ["source_record_id"],
    "date_formats": ["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S.000Z"],
    "columns": {
        "Contact ID": "source_record_id",
        "First Name": "given_name",
        "Last Name": "family_name",
        "Email": "email",
        "Phone": "phone_office",
        "Mobile": "phone_mobile",
        "Mailing City": "city",
        "Mailing Country": "country",
        "Birthdate": "birth_date",
        "Created Date": "created_at",
        "Lead Source": "lead_source",
    },
}


def make_file(path: Path, rows: int, seed: int = 1) -> None:
    """Contacts-like rows, vectorised; ~0.1% bad rows (empty id, bad date, ragged line)."""
    rng = np.random.default_rng(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    first = np.array(["Wei", "Na", "John", "Mary", "伟", "娜", "Kevin", "Zoë", "José", "O'Brien"])
    last = np.array(["Zhang", "Wang", "Smith", "Müller", "张", "李", "Chen", "Garcia", "Li", "Liu"])
    cities = np.array(["Beijing", "上海", "Shenzhen", "London", "New York", "Berlin"])
    with gzip.open(path, "wt", encoding="utf-8", newline="", compresslevel=1) as fh:
        fh.write(HEADER)
        chunk = 100_000
        for start in range(0, rows, chunk):
            n = min(chunk, rows - start)
            idx = np.arange(start, start + n)
            f, l_, c = (
                first[rng.integers(0, 10, n)],
                last[rng.integers(0, 10, n)],
                cities[rng.integers(0, 6, n)],
            )
            mob = rng.integers(13000000000, 13999999999, n)
            born = rng.integers(0, 18000, n)
            lines = []
            for k in range(n):
                i = idx[k]
                cid = "" if i % 1000 == 17 else f"0035g{i:010d}AAA"
                bd = "1990-02-30" if i % 1000 == 29 else str(np.datetime64("1960-01-01") + born[k])
                if i % 1000 == 41:
                    lines.append(f"{cid},ragged,line,with,too,many,fields,x,y,z,1,2,3\n")
                    continue
                lines.append(
                    f"{cid},{f[k]},{l_[k]},{f[k].lower()}.{i}@example.com,010-6{i % 10**7:07d},+86 {mob[k]},"
                    f'{c[k]},CN,{bd},2024-03-05T10:22:11.000Z,Web,"Gold, VIP"\n'
                )
            fh.write("".join(lines))


def _customer360(path: Path, work: Path) -> dict:
    from assets.ingest.config import SourceConfig
    from assets.ingest.ingest import ingest_source
    from assets.layout import DataLayout
    from assets.validate import validate_partition

    landing = work / "landing"
    (landing / "bench").mkdir(parents=True, exist_ok=True)
    (landing / "bench" / path.name).symlink_to(path)
    layout = DataLayout(root=work / "data", landing=str(landing), config_dir=work)
    cfg = SourceConfig(**SOURCE)
    t0 = time.perf_counter()
    ingested = ingest_source(cfg, layout, "2026-03-01")
    t1 = time.perf_counter()
    validated = validate_partition(cfg, layout, "2026-03-01")
    return {
        "rows_read": ingested.rows_read,
        "rows_valid": validated.total("rows_valid"),
        "rows_quarantined": validated.total("rows_quarantined"),
        "ingest_seconds": t1 - t0,
        "validate_seconds": time.perf_counter() - t1,
    }


def _pandas(path: Path, work: Path) -> dict:
    import pandas as pd

    frame = pd.read_csv(path, dtype=str, keep_default_na=False, on_bad_lines="skip")
    frame.to_parquet(work / "pandas.parquet", index=False)
    return {"rows_read": len(frame)}


def _duckdb(path: Path, work: Path) -> dict:
    import duckdb

    con = duckdb.connect()
    con.execute(
        f"copy (select * from read_csv('{path}', all_varchar=true, ignore_errors=true)) to '{work / 'duck.parquet'}'"
    )
    n = con.execute(f"select count(*) from read_parquet('{work / 'duck.parquet'}')").fetchone()[0]
    return {"rows_read": n}


def _child(name: str, path: str, work: str, queue: mp.Queue) -> None:
    fn = {"customer360": _customer360, "pandas.read_csv": _pandas, "duckdb.read_csv": _duckdb}[name]
    import duckdb  # noqa: F401  (imports are not part of the timing)
    import pandas  # noqa: F401

    if name == "customer360":
        import assets.ingest.ingest
        import assets.validate  # noqa: F401
    cpu0, t0 = time.process_time(), time.perf_counter()
    out = fn(Path(path), Path(work))
    out["seconds"] = time.perf_counter() - t0
    out["cpu_seconds"] = time.process_time() - cpu0  # all threads; steadier than wall time on a busy box
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put(out)


def run(name: str, path: Path, work: Path) -> dict:
    shutil.rmtree(work, ignore_errors=True)  # every run starts from an empty landing zone and data folder
    work.mkdir(parents=True)
    load = os.getloadavg()[0]  # other work on the machine competes for the same cores
    queue: mp.Queue = mp.get_context("spawn").Queue()
    proc = mp.get_context("spawn").Process(target=_child, args=(name, str(path), str(work), queue))
    proc.start()
    while True:
        try:
            out = queue.get(timeout=1)
            break
        except Empty:
            if not proc.is_alive():
                raise RuntimeError(f"{name} exited with code {proc.exitcode} before reporting") from None
    proc.join()
    return {"tool": name, **out, "load_before": load}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/c360-bench"))
    ap.add_argument(
        "--repeat", type=int, default=1, help="run every tool this many times (each run reported)"
    )
    args = ap.parse_args()
    shutil.rmtree(args.dir, ignore_errors=True)
    path = args.dir / "contacts_1m.csv.gz"
    t0 = time.perf_counter()
    make_file(path, args.rows)
    print(
        f"generated {args.rows:,} rows ({path.stat().st_size / 1e6:.1f} MB gzip) in {time.perf_counter() - t0:.1f}s"
    )
    results = [
        run(name, path, args.dir / name)
        for _ in range(args.repeat)
        for name in ("customer360", "pandas.read_csv", "duckdb.read_csv")
    ]
    load = os.getloadavg()[0]
    print(
        f"machine: {os.cpu_count()} cores, load average {load:.1f} now (1-min average, taken before each tool "
        "below; wall figures suffer when load > cores)"
    )
    print(
        f"\n{'tool':<18}{'rows':>11}{'valid':>9}{'quar.':>7}{'wall s':>8}{'rows/s':>10}{'cpu s':>7}"
        f"{'rows/cpu-s':>12}{'peak RSS MB':>13}{'load':>6}"
    )
    for r in results:
        r["rows_per_s"] = round(args.rows / r["seconds"])
        r["rows_per_cpu_s"] = round(args.rows / r["cpu_seconds"])
        print(
            f"{r['tool']:<18}{r['rows_read']:>11,}{r.get('rows_valid', '-'):>9}{r.get('rows_quarantined', '-'):>7}"
            f"{r['seconds']:>8.1f}{r['rows_per_s']:>10,}{r['cpu_seconds']:>7.1f}{r['rows_per_cpu_s']:>12,}"
            f"{r['peak_rss_mb']:>13,.0f}{r['load_before']:>6.1f}"
        )
    ours = [r for r in results if r["tool"] == "customer360"]
    stages = ", ".join(f"{r['ingest_seconds']:.1f} + {r['validate_seconds']:.1f}" for r in ours)
    print(f"customer360 wall seconds, ingest + validate: {stages}")
    print()
    for r in results:
        print(
            json.dumps(
                {
                    "bench": "ingest",
                    "rows": args.rows,
                    **{k: (round(v, 3) if isinstance(v, float) else v) for k, v in r.items()},
                }
            )
        )
    ok = sum(r["rows_per_s"] >= 200_000 and r["peak_rss_mb"] < 1024 for r in ours)
    ok_cpu = sum(r["rows_per_cpu_s"] >= 200_000 for r in ours)
    print(
        f"\ntarget ≥200k rows/s and <1 GB RSS: met in {ok} of {len(ours)} runs "
        f"(≥200k rows per CPU-second: {ok_cpu} of {len(ours)})"
    )


if __name__ == "__main__":
    main()
