"""What the dbt step costs besides dbt: row counts of stored relations only (a view's count would run its query
every night), no dbt adapter opened in the job's process, and no interpreter teardown once dbt has returned."""

import json
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import dagster_dbt.core.resource as dbt_core_resource
import duckdb

from assets.dbt.built_rows import ROW_COUNTS_FILE, CountedInBuild
from assets.dbt.defs import DBT_PROJECT_DIR, dbt_project, dbt_resource
from assets.dbt.row_counts import ROW_COUNT, relations, with_row_counts
from assets.settings import Settings


def _node(kind: str, name: str, materialized: str | None) -> dict:
    config = {"materialized": materialized} if materialized else {}
    return {"resource_type": kind, "schema": "s", "name": name, "alias": name, "config": config}


def test_only_stored_relations_are_counted():
    nodes = {
        "model.p.table": _node("model", "table", "table"),
        "model.p.incremental": _node("model", "incremental", "incremental"),
        "model.p.view": _node("model", "view", "view"),
        "model.p.ephemeral": _node("model", "ephemeral", "ephemeral"),
        "seed.p.seed": _node("seed", "seed", "seed"),
        "snapshot.p.snap": _node("snapshot", "snap", "snapshot"),
        "test.p.t": _node("test", "t", "test"),
    }
    assert relations({"nodes": nodes}, [*nodes, "model.p.gone"]) == {
        "model.p.table": ("s", "table"),
        "model.p.incremental": ("s", "incremental"),
        "seed.p.seed": ("s", "seed"),
        "snapshot.p.snap": ("s", "snap"),
    }


def test_outputs_without_a_row_count_pass_while_dbt_still_builds(tmp_path):
    """A view's Output is recorded as soon as dbt reports it; the stored models' wait for dbt's exit to be counted,
    and so do the views downstream of them (Dagster takes a step's Outputs in dependency order only)."""
    downstream = {"depends_on": {"nodes": ["model.p.table"]}}
    nodes = {
        "model.p.table": _node("model", "table", "table"),
        "model.p.view": _node("model", "view", "view"),
        "model.p.view_of_table": {**_node("model", "view_of_table", "view"), **downstream},
    }
    seen: list[str] = []

    def dbt_events():
        for uid in nodes:
            yield dg.Output(None, output_name=uid.split(".")[-1], metadata={"unique_id": uid})
            seen.append(f"reported {uid}")
        seen.append("dbt exited")

    layout = Settings(data_dir=str(tmp_path)).layout()  # no warehouse: nothing to count
    for event in with_row_counts(dbt_events(), {"nodes": nodes}, layout):
        seen.append(f"passed {event.output_name}")
    assert seen == [
        "reported model.p.table",
        "passed view",
        "reported model.p.view",
        "reported model.p.view_of_table",
        "dbt exited",
        "passed table",
        "passed view_of_table",
    ]


def test_outputs_counted_in_the_build_pass_while_dbt_builds_with_their_count(tmp_path):
    """Red before: every stored model's Output waited for dbt's exit. An Output whose count dbt's process wrote for
    this invocation passes with it, at once or at the first event after the count came (dbt writes it just after
    reporting the result the Output is made of); one without a count (only another invocation's line) waits for
    the end, and so do the Outputs downstream of it."""
    nodes = {
        "model.p.table": _node("model", "table", "table"),
        "model.p.late": _node("model", "late", "table"),
        "model.p.uncounted": _node("model", "uncounted", "table"),
        "model.p.view_of_uncounted": {
            **_node("model", "view_of_uncounted", "view"),
            "depends_on": {"nodes": ["model.p.uncounted"]},
        },
    }
    counts = tmp_path / ROW_COUNTS_FILE
    seen: list[str] = []

    def count(uid: str, rows: int, invocation: str = "inv-1") -> None:
        with counts.open("a") as out:
            out.write(json.dumps({"invocation_id": invocation, "unique_id": uid, "rows": rows}) + "\n")

    def dbt_events():
        count("model.p.table", 7)
        count("model.p.uncounted", 9, invocation="inv-0")  # another build's
        for uid in nodes:
            yield dg.Output(
                None, output_name=uid.split(".")[-1], metadata={"unique_id": uid, "invocation_id": "inv-1"}
            )
            seen.append(f"reported {uid}")
            if uid == "model.p.late":
                count(uid, 8)
        seen.append("dbt exited")

    layout = Settings(data_dir=str(tmp_path)).layout()  # no warehouse: nothing to count after the build
    passed = {}
    for event in with_row_counts(dbt_events(), {"nodes": nodes}, layout, CountedInBuild(counts)):
        seen.append(f"passed {event.output_name}")
        passed[event.output_name] = event.metadata.get(ROW_COUNT)
    assert seen == [
        "passed table",
        "reported model.p.table",
        "reported model.p.late",
        "passed late",
        "reported model.p.uncounted",
        "reported model.p.view_of_uncounted",
        "dbt exited",
        "passed uncounted",
        "passed view_of_uncounted",
    ]
    assert (passed["table"].value, passed["late"].value, passed["uncounted"]) == (7, 8, None)


def test_dbt_counts_each_stored_relation_as_it_builds_it(tmp_path):
    """The counts dbt's process writes while it builds (quick_exit's RowCounter, on each node's result): the seeds'
    rows, read as the job reads them."""
    data_dir = tmp_path / "data"
    (data_dir / "warehouse").mkdir(parents=True)
    target = tmp_path / "target"
    prelude = f"import os; os.environ['DBT_TARGET_PATH'] = {str(target)!r}\n"
    built = dbt_quick_exit(["seed"], data_dir, tmp_path, prelude)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    lines = [json.loads(line) for line in (target / ROW_COUNTS_FILE).read_text().splitlines()]
    with duckdb.connect(str(data_dir / "warehouse" / "customer360.duckdb"), read_only=True) as con:
        rates = con.execute("select count(*) from reference.currency_rates").fetchone()[0]
    counted = {line["unique_id"]: line["rows"] for line in lines}
    assert counted["seed.customer360.currency_rates"] == rates > 0
    invocation = lines[0]["invocation_id"]
    assert (
        CountedInBuild(target / ROW_COUNTS_FILE).rows(invocation, "seed.customer360.currency_rates") == rates
    )


def test_the_build_runs_without_an_adapter_in_the_job_process(monkeypatch):
    seen = {}

    def run(**kwargs):
        seen.update(kwargs)
        return "invocation"

    monkeypatch.setattr(dbt_core_resource.DbtCliInvocation, "run", staticmethod(run))
    assert dbt_resource().cli(["build"], manifest=dbt_project.manifest_path) == "invocation"
    assert seen["adapter"] is None and seen["args"][-1] == "build"


def test_the_dbt_version_is_read_without_running_dbt(monkeypatch):
    def no_subprocess(*args, **kwargs):
        raise AssertionError(f"ran {args}")

    monkeypatch.setattr(dbt_core_resource, "check_output", no_subprocess)
    assert dbt_resource()._cli_version.major == 1  # dbt-core 1.x, this environment's


def dbt_quick_exit(
    args: list[str], data_dir: Path, work: Path, prelude: str = ""
) -> subprocess.CompletedProcess:
    """dbt run through assets.dbt.quick_exit, as the `dbt` resource runs it, in a process whose interpreter
    teardown prints TEARDOWN (dbt-duckdb closes DuckDB in such an exit hook); `prelude` runs first."""
    argv = [*args, "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(work / "target"),
            "--log-path", str(work / "logs"), "--vars", json.dumps({"c360_data_dir": str(data_dir)})]  # fmt: skip
    launcher = prelude + (
        "import atexit, sys; atexit.register(lambda: print('TEARDOWN', flush=True)); "
        f"sys.argv = ['dbt', *{argv!r}]; from assets.dbt.quick_exit import main; main()"
    )
    return subprocess.run(
        [sys.executable, "-c", launcher], cwd=DBT_PROJECT_DIR, env={**os.environ, "DO_NOT_TRACK": "1"},
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip


def test_dbt_ends_once_it_has_returned_with_the_warehouse_checkpointed(tmp_path):
    """A build that wrote the warehouse: its process ends without the interpreter's teardown (~2 s after a night's
    build), the warehouse checkpointed first (no write-ahead log left, the seeds readable) and dbt's exit code
    kept, also when the command failed."""
    data_dir = tmp_path / "data"
    (data_dir / "warehouse").mkdir(parents=True)
    built = dbt_quick_exit(["seed"], data_dir, tmp_path)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    assert "TEARDOWN" not in built.stdout
    warehouse = data_dir / "warehouse" / "customer360.duckdb"
    assert not warehouse.with_name(warehouse.name + ".wal").exists()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from reference.currency_rates").fetchone()[0] > 0
    failed = dbt_quick_exit(["show", "--inline", "select * from no_such_table"], data_dir, tmp_path)
    assert (failed.returncode, "TEARDOWN" in failed.stdout) == (2, False), failed.stdout[-3000:]  # dbt: error


WAL_WHEN_DBT_WRITES_ITS_ARTIFACTS = """
import sys, time
from pathlib import Path
import dbt.task.runnable as runnable
from dbt.adapters.duckdb.environments.local import LocalEnvironment
def kept_open(env, *args, init=LocalEnvironment.__init__):
    init(env, *args)
    env._keep_open = True
LocalEnvironment.__init__ = kept_open
wal, write_manifest = Path(sys.argv[1]), runnable.write_manifest
def write_manifest_once_checkpointed(*args, **kwargs):
    give_up = time.monotonic() + 20
    while wal.exists() and time.monotonic() < give_up:
        time.sleep(0.05)
    print("WAL LEFT" if wal.exists() else "CHECKPOINTED", flush=True)
    return write_manifest(*args, **kwargs)
runnable.write_manifest = write_manifest_once_checkpointed
"""


def test_the_warehouse_is_checkpointed_while_dbt_writes_its_artifacts(tmp_path):
    """Once the nodes are done, DuckDB's checkpoint runs beside dbt's last artifacts (the manifest written again,
    the run results) instead of after them: dbt's write of the manifest after the build sees the write-ahead log
    gone (it waits up to 20 s for it); the build's result and the checkpointed warehouse are as before. dbt-duckdb
    keeps its database open to the end here (its `keep_open`), as in the warm dbt process of a night; otherwise it
    closes it, checkpointing, once dbt has closed its last connection."""
    data_dir = tmp_path / "data"
    (data_dir / "warehouse").mkdir(parents=True)
    warehouse = data_dir / "warehouse" / "customer360.duckdb"
    prelude = (
        f"import sys; sys.argv[1:] = [{str(warehouse) + '.wal'!r}]\n" + WAL_WHEN_DBT_WRITES_ITS_ARTIFACTS
    )
    built = dbt_quick_exit(["seed"], data_dir, tmp_path, prelude)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    assert "CHECKPOINTED" in built.stdout and "WAL LEFT" not in built.stdout, built.stdout[-3000:]
    assert not warehouse.with_name(warehouse.name + ".wal").exists()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from reference.currency_rates").fetchone()[0] > 0


def test_the_dbt_resource_runs_dbt_through_quick_exit(monkeypatch):
    seen = {}
    monkeypatch.setattr(dbt_core_resource.DbtCliInvocation, "run", staticmethod(lambda **kw: seen.update(kw)))
    dbt_resource().cli(["build"], manifest=dbt_project.manifest_path)
    assert seen["args"][:3] == [sys.executable, "-m", "assets.dbt.quick_exit"]


def test_a_build_creates_only_the_schemas_the_warehouse_lacks(tmp_path):
    """dbt lists the warehouse's schemas before a build and creates the missing ones: a fresh warehouse gets its
    schemas, a built one none again (dbt-duckdb compared the quoted database name with the catalog's, found no
    schema and created every one on every build, each over a connection of its own)."""
    data_dir = tmp_path / "data"
    (data_dir / "warehouse").mkdir(parents=True)
    created = []
    for build in ("first", "second"):
        work = tmp_path / build
        built = dbt_quick_exit(["seed"], data_dir, work)
        assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
        created.append((work / "logs" / "dbt.log").read_text().count("Creating schema"))
    assert created[0] > 0 and created[1] == 0, created
    with duckdb.connect(str(data_dir / "warehouse" / "customer360.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from reference.currency_rates").fetchone()[0] > 0
