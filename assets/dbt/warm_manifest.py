"""The warm dbt process's parse handed to the build it serves, when the build would parse the same project.

A build parses the project again (partially: ~0.15 s of CPU at 150k customers) and writes the manifest before its
first node (~0.3 s); both on the dbt step's critical path. The warm-up's `dbt parse` (assets/dbt/warm_server.py)
made that manifest already, beside linkage: dbt takes a parsed manifest as dbtRunner(manifest=...) does, and then
neither parses nor writes it before the nodes (it still writes it with the run results at the end).

It is handed over only when the build would parse exactly what the warm-up parsed (`refusal` is None): a `build`
whose options are all selection options and whose `--vars` are the warm-up's, the same project and profiles folders,
the same environment (but for what dagster-dbt and the hand-over set for every build, none of which the project
reads), and the project's files as they were when the warm-up started (inode, mtime and size of each). Otherwise the
build parses as before.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from assets.background import Identity, identity

# set per build by dagster-dbt and the hand-over (assets/dbt/warm.py), read by dbt's CLI, not by a parse
HANDOVER_ENV = frozenset(
    {
        "C360_WARM_DBT_SOCKET",
        "DAGSTER_DBT_CLI",
        "DBT_INDIRECT_SELECTION",
        "DBT_LOG_FORMAT",
        "DBT_LOG_PATH",
        "DBT_PROFILES_DIR",
        "DBT_PROJECT_DIR",
        "DBT_SEND_ANONYMOUS_USAGE_STATS",
        "DBT_TARGET_PATH",
        "PYTHONLEGACYWINDOWSSTDIO",
        "PYTHONUNBUFFERED",
        "PYTHONWARNINGS",
    }
)
# `dbt build` options that choose what runs, not what is parsed; any other option refuses the hand-over
SELECTION_OPTIONS = frozenset(
    {"--select", "-s", "--exclude", "--selector", "--threads", "--full-refresh", "-f", "--fail-fast", "-x"}
)
# what dbt writes into the project folder and does not parse: its target and log folders, the user id it makes once
WRITTEN_BY_DBT = frozenset({"target", "logs", ".user.yml"})


@dataclass(frozen=True)
class ParseInputs:
    """What a `dbt parse` read: its `--vars`, project and profiles folders, environment and the project's files."""

    vars: str | None
    project_dir: Path
    profiles_dir: Path
    env: Mapping[str, str]
    files: Identity


def option(argv: Sequence[str], name: str) -> str | None:
    """The value after the last `name` in `argv`, or None."""
    found = [argv[i + 1] for i, arg in enumerate(argv[:-1]) if arg == name]
    return found[-1] if found else None


def project_files(project_dir: Path) -> Identity:
    """The identity of every file and folder of the project that dbt reads (assets/background.py's `identity`)."""
    entries = sorted(p for p in project_dir.iterdir() if p.name not in WRITTEN_BY_DBT)
    return (tuple((p.name, None) for p in entries), *identity(entries))


def warm_up_inputs(parse_args: Sequence[str], env: Mapping[str, str]) -> ParseInputs | None:
    """The inputs of the warm-up's `dbt parse <parse_args>`, taken before it runs; None without --project-dir and
    --profiles-dir (the folders it parsed would be guesses)."""
    project, profiles = option(parse_args, "--project-dir"), option(parse_args, "--profiles-dir")
    if project is None or profiles is None:
        return None
    project_dir = Path(project).resolve()
    return ParseInputs(
        option(parse_args, "--vars"),
        project_dir,
        Path(profiles).resolve(),
        dict(env),
        project_files(project_dir),
    )


def refusal(
    warm: ParseInputs,
    parsed_env_vars: Mapping[str, str],
    argv: Sequence[str],
    env: Mapping[str, str],
    cwd: str,
) -> str | None:
    """Why the build `argv` (run in `cwd` with `env`) must parse for itself, or None when the warm-up's manifest is
    what its parse would give. `parsed_env_vars`: the environment variables the project read while parsing
    (dbt's `manifest.env_vars`)."""
    if not argv or argv[0] != "build":
        return "not a build"
    options = [arg for arg in argv[1:] if arg.startswith("-")]
    if options.count("--vars") != 1 or option(argv, "--vars") != warm.vars:
        return "other vars"
    if any(arg not in SELECTION_OPTIONS for arg in options if arg != "--vars"):
        return "an option that is not a selection"
    base = Path(cwd)
    if (base / env.get("DBT_PROJECT_DIR", ".")).resolve() != warm.project_dir:
        return "another project folder"
    if "DBT_PROFILES_DIR" not in env or (base / env["DBT_PROFILES_DIR"]).resolve() != warm.profiles_dir:
        return "another profiles folder"
    if HANDOVER_ENV.intersection(parsed_env_vars):
        return "the project reads a variable set per build"
    names = (set(env) | set(warm.env)) - HANDOVER_ENV
    if any(env.get(name) != warm.env.get(name) for name in names):
        return "another environment"
    if project_files(warm.project_dir) != warm.files:
        return "the project's files changed"
    return None
