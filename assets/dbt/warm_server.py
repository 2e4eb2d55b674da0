"""`python -m assets.dbt.warm_server <listening fd> <parent pid> <idle seconds>`: the warm dbt process.

Imports dbt's CLI and dbt-duckdb, then serves ONE build on the listening socket its parent made
(assets/dbt/warm.py has the exchange): the first connection from this uid hands it dbt's arguments, folder,
environment and standard streams; dbt runs in this process as in `quick_exit`, its exit code goes back, and the
process ends. It ends by itself when its parent is gone (checked every second), when nobody has come after
`idle seconds`, or as soon as its client goes away while dbt runs (as a killed dbt would).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import os
import shutil
import socket
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assets.dbt.quick_exit import interruptible
from assets.dbt.targets import PROJECT_TARGET, keep_partial_parse
from assets.dbt.warm import GO, peer_ids, recv_exactly, recv_request, send_exit, send_ready
from assets.dbt.warm_manifest import ParseInputs, refusal, warm_up_inputs

REQUEST_TIMEOUT_S = 10.0  # a connection that has not sent its whole request by then is dropped


def _watch_parent(parent: int, socket_path: str) -> None:
    """The run that started this process is gone (crashed, killed): remove the private folder its run made for
    it (the socket, the warm-up's parse and logs), and end."""
    while os.getppid() == parent:
        time.sleep(1.0)
    shutil.rmtree(os.path.dirname(socket_path), ignore_errors=True)
    os._exit(0)


def _watch_client(conn: socket.socket, finished: threading.Event) -> None:
    """The client sends nothing after GO: a read returns only when it is gone; killed before dbt has returned,
    it takes dbt with it (as killing dbt's own process would)."""
    with contextlib.suppress(OSError):
        conn.recv(1)
    if not finished.is_set():
        os._exit(1)


def _import_dbt() -> None:
    """What every build loads, imported while the run does something else."""
    import agate  # noqa: F401
    import dbt.adapters.duckdb
    import dbt.adapters.duckdb.impl
    import dbt.cli.main
    import dbt.task.build  # noqa: F401


@dataclass(frozen=True)
class WarmParse:
    """The warm-up's manifest and what its parse read (assets/dbt/warm_manifest.py)."""

    inputs: ParseInputs
    manifest: Any

    def for_build(self, request: dict) -> Any | None:
        """The manifest, when the build `request` would parse what the warm-up parsed; else None (it parses)."""
        why = refusal(self.inputs, self.manifest.env_vars, request["argv"], request["env"], request["cwd"])
        if why is not None:
            print(
                f"customer360 warm dbt: the build parses the project itself ({why})",
                file=sys.stderr,
                flush=True,
            )
            return None
        return self.manifest


def _warm_up(parse_args: list[str]) -> WarmParse | None:
    """A `dbt parse` of the night's project, vars and profile into a private folder (partial: from the project's
    saved parse): the first invocation in a process builds the serialisers and JSON schemas of dbt's classes and
    loads the saved parse; the build's own invocation then finds them built. A parse that succeeded is kept as
    the project's saved parse (`_keep_parse`), and its manifest for the build (`WarmParse`)."""
    import gc

    from dbt.cli.main import dbtRunner

    warm = None
    with contextlib.suppress(Exception):
        inputs = warm_up_inputs(parse_args, os.environ)
        parsed = dbtRunner().invoke(parse_args)
        if parsed.success:
            _keep_parse(parse_args)
            if inputs is not None:
                warm = WarmParse(inputs, parsed.result)
    gc.collect()
    return warm


def _keep_parse(parse_args: list[str]) -> None:
    """The warm-up's parse cache as the project's `target/partial_parse.msgpack`, which the build starts from.
    When the saved one was made with other vars (the load-time `dbt parse` after a deploy has none), dbt throws it
    away: the warm-up parsed the whole project beside linkage and the build then parsed it all again, ~3.5 s on
    the night's critical path at 150k customers. Now only the warm-up does."""
    options = dict(itertools.pairwise(parse_args))
    if "--project-dir" in options and "--target-path" in options:
        keep_partial_parse(Path(options["--target-path"]), Path(options["--project-dir"]) / PROJECT_TARGET)


def accept_request(listener: socket.socket, deadline: float) -> tuple[socket.socket, dict, list[int]] | None:
    """The first complete request from a process of this uid, or None once `deadline` (monotonic) passes."""
    while (left := deadline - time.monotonic()) > 0:
        listener.settimeout(left)
        try:
            conn, _ = listener.accept()
        except TimeoutError:
            return None
        try:
            _pid, uid = peer_ids(conn)
            if uid != os.getuid():
                raise PermissionError(f"connection from uid {uid} refused")
            conn.settimeout(REQUEST_TIMEOUT_S)
            request, fds = recv_request(conn)
            conn.settimeout(None)
            return conn, request, fds
        except (OSError, ValueError) as refused:
            print(f"customer360 warm dbt: {refused}", file=sys.stderr, flush=True)
            conn.close()
    return None


def take_over(request: dict, fds: list[int]) -> None:
    """Become the client's dbt process: its folder, environment, umask, arguments and standard streams."""
    interruptible()  # the run may have started this process with SIGINT ignored
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    os.umask(request["umask"])
    sys.argv = ["dbt", *request["argv"]]
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)


def run_dbt(manifest: Any | None = None) -> int:
    """dbt's CLI as `quick_exit` runs it (given `manifest`, it does not parse); the warehouse closed (DuckDB's close
    checkpoints it and releases its file, which the job opens as soon as dbt's process has ended) and every output
    flushed before the exit code is reported."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    from assets.dbt.quick_exit import exit_code, run_cli

    try:
        run_cli(manifest)
        code = 0
    except SystemExit as done:
        code = exit_code(done.code)
    env = DuckDBConnectionManager._ENV
    if env is not None:
        with contextlib.suppress(Exception):  # else released as the process ends; the client waits for that
            env.close()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    return code


def serve(listener: socket.socket, idle_seconds: float, parse_args: list[str] | None = None) -> int:
    """Serve one build; this process's exit status (0 also when nobody came)."""
    deadline = time.monotonic() + idle_seconds
    _import_dbt()
    warm = _warm_up(parse_args) if parse_args else None
    accepted = accept_request(listener, deadline)
    path = listener.getsockname()
    listener.close()
    if path:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)  # one build per socket: a later client finds none and runs dbt itself
    if accepted is None:
        return 0
    conn, request, fds = accepted
    send_ready(conn)
    if recv_exactly(conn, 1) != GO:  # the client gave up waiting: it runs dbt itself
        for fd in fds:
            os.close(fd)
        return 0
    finished = threading.Event()
    threading.Thread(target=_watch_client, args=(conn, finished), daemon=True).start()
    take_over(request, fds)
    code = run_dbt(warm.for_build(request) if warm is not None else None)
    finished.set()
    devnull = os.open(os.devnull, os.O_RDWR)
    for target in (0, 1, 2):  # dbt's output closed here before the client exits with the code
        os.dup2(devnull, target)
    send_exit(conn, code)
    return 0


def main() -> None:
    listen_fd, parent, idle_seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    parse_args = json.loads(sys.argv[4]) if len(sys.argv) > 4 else None
    listener = socket.socket(fileno=listen_fd)
    threading.Thread(target=_watch_parent, args=(parent, listener.getsockname()), daemon=True).start()
    status = serve(listener, idle_seconds, parse_args)
    sys.stdout.flush()
    os._exit(status)


if __name__ == "__main__":
    main()
