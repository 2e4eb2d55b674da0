"""The link stage of a full night against a night with 1% new records (#14), one phase per process so
`/usr/bin/time -v` gives each phase's peak RSS:

    python bench/incremental_night.py sample  --dir D --customers 10000   # person records, 1% held back
    python bench/incremental_night.py full    --dir D                     # night 1: 99%, fits the model
    python bench/incremental_night.py night   --dir D                     # night 2: the 1% arrive, incremental
    python bench/incremental_night.py rebuild --dir D                     # night 2 as a full rebuild (stored model)

`rebuild` checks that its customer ids equal the incremental night's.
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from linkage.config import load_linkage_config
from linkage.engine import link
from linkage.incremental import RefitNeeded, link_incremental

KEYS = ["source", "source_record_id"]


def _persons(directory: Path, night: int) -> pd.DataFrame:
    persons = pd.read_pickle(directory / "persons.pkl")
    late = np.load(directory / "late.npy")
    return persons if night == 2 else persons[~late].reset_index(drop=True)


def _report(phase: str, seconds: float, result) -> None:
    s = result.summary
    print(f"{phase}: {seconds:.1f} s link stage, {s['records']} records, {s['clusters']} customers, "
          f"relinked {s.get('relinked_records', s['records'])}, timings {s['timings']}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("phase", choices=["sample", "full", "night", "rebuild"])
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--customers", type=int, default=10000)
    parser.add_argument("--new-share", type=float, default=0.01)
    args = parser.parse_args()
    d: Path = args.dir
    config = load_linkage_config()
    if args.phase == "sample":
        from assets.sample.person_records import sample_person_records

        d.mkdir(parents=True, exist_ok=True)
        persons, _ = sample_person_records(d / "work", customers=args.customers, seed=11)
        persons.to_pickle(d / "persons.pkl")
        np.save(d / "late.npy", np.random.default_rng(2).random(len(persons)) < args.new_share)
        print(f"sample: {len(persons)} person records of {args.customers} customers")
        return
    if args.phase == "full":
        started = time.perf_counter()
        result = link(_persons(d, 1), config, run_id="night-1")
        _report("full night (fit)", time.perf_counter() - started, result)
        (d / "night1.pkl").write_bytes(pickle.dumps((result.xref, result.pairs, result.state)))
        return
    xref, pairs, state = pickle.loads((d / "night1.pkl").read_bytes())
    persons = _persons(d, 2)
    started = time.perf_counter()
    if args.phase == "night":
        result = link_incremental(persons, config, state, xref, pairs, run_id="night-2")
        assert not isinstance(result, RefitNeeded), result
        _report("1% night (incremental)", time.perf_counter() - started, result)
        result.xref.to_pickle(d / "night2_incremental.pkl")
        return
    result = link(persons, config, previous_xref=xref, run_id="night-2", model=state)
    _report("1% night (full rebuild, stored model)", time.perf_counter() - started, result)
    night = pd.read_pickle(d / "night2_incremental.pkl")
    same = (
        night.set_index(KEYS)["customer_id"]
        .sort_index()
        .equals(result.xref.set_index(KEYS)["customer_id"].sort_index())
    )
    print(f"customer ids identical to the incremental night: {same}")
    sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
