"""bench/spark_linkage.py's time cap: a child over it is killed with everything it started (a Spark run's JVM),
and an earlier run's result rows join the table without the ones measured again."""

import json
import os
import sys
import time

from bench.spark_linkage import _run_child, failure_summary, previous_rows


def test_child_over_the_cap_is_killed_with_its_own_children(tmp_path):
    pid_file = tmp_path / "grandchild.pid"
    script = (
        "import subprocess, sys, time\n"
        "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)'])\n"
        f"open({str(pid_file)!r}, 'w').write(str(p.pid))\n"
        "time.sleep(120)\n"
    )
    started = time.monotonic()
    stdout, _ = _run_child([sys.executable, "-c", script], cap=3)
    assert stdout is None and time.monotonic() - started < 60
    grandchild = int(pid_file.read_text())
    for _ in range(50):  # killed: gone, or a zombie until its (dead) parent's reaper collects it
        try:
            with open(f"/proc/{grandchild}/stat") as f:
                if f.read().split(") ")[1][0] == "Z":
                    break
        except FileNotFoundError:
            break
        time.sleep(0.1)
    else:
        os.kill(grandchild, 9)
        raise AssertionError("the child's own child outlived the cap")


def test_child_within_the_cap_gives_its_output():
    stdout, stderr = _run_child([sys.executable, "-c", "print('RESULT {}')"], cap=60)
    assert stdout.strip() == "RESULT {}" and stderr == ""


def test_previous_rows_skip_what_this_run_measured(tmp_path):
    earlier = tmp_path / "earlier.log"
    rows = [{"tool": "customer360", "records": 100, "seconds": 1.0},
            {"tool": "customer360-spark", "records": 100, "seconds": 9.0},
            {"records": 100, "data_s": 3.0}]  # fmt: skip
    earlier.write_text("noise\n" + "\n".join(json.dumps(r) for r in rows) + "\n")
    assert previous_rows(earlier, {("customer360", 100)}) == [rows[1]]


def test_pairs_with_a_record_the_truth_does_not_place_are_not_scored() -> None:
    import pandas as pd

    from bench.spark_linkage import on_truth

    predicted = pd.DataFrame({"a": ["s:1", "s:1", "s:2"], "b": ["s:2", "s:9", "s:3"]})
    kept = on_truth(predicted, pd.Index(["s:1", "s:2", "s:3"]))
    assert kept.values.tolist() == [["s:1", "s:2"], ["s:2", "s:3"]]


def test_a_failed_runs_error_names_its_cause_and_keeps_the_whole_stderr(tmp_path):
    stack = "\n".join(f"\tat org.apache.spark.scheduler.Task.run(Task.scala:{i})" for i in range(200))
    stderr = (
        'Traceback (most recent call last):\n  File "bench.py", line 1\n'
        "py4j.protocol.Py4JJavaError: An error occurred while calling o123.parquet.\n"
        "org.apache.spark.SparkException: Job aborted due to stage failure: Task 3 in stage 41.0 failed\n"
        f"{stack}\nCaused by: java.lang.OutOfMemoryError: Java heap space\n{stack}\nDriver stacktrace:]\n"
    )
    log = tmp_path / "failed.log"
    error = failure_summary(stderr, log)
    assert "Caused by: java.lang.OutOfMemoryError: Java heap space" in error
    assert "org.apache.spark.SparkException: Job aborted" in error and str(log) in error
    assert log.read_text(encoding="utf-8") == stderr
