"""A dbt process started early in the run, ready before the dbt step needs it: dbt's imports and first parse of
the project (~2.5 s of CPU of a 1% night's dbt step) done beside ingest and linkage, which leave the second core
idle.

The run starts it (`warm_dbt`, at run start); it imports dbt and dbt-duckdb, runs a throwaway `dbt parse` of the
night's project (`warm_up`: the first invocation in a process builds dbt's serialisers and schemas; partial, from
the project's saved parse) (assets/dbt/warm_server.py) and waits on a Unix socket in a private (0700) folder made
for this run, whose path the run's environment gives dagster-dbt's subprocess (`WARM_DBT_SOCKET`). That
subprocess, `python -m assets.dbt.quick_exit <dbt arguments>`, hands the warm process its arguments, working
folder, environment, umask and its stdin/stdout/stderr (`hand_over`), and exits with the exit code dbt returned
there; dagster-dbt reads dbt's JSON events from the same pipe as before.

The exchange, so dbt never runs twice and a warm process that is gone costs nothing but its import:
    client → request (the descriptors ride with its length)   server → READY + its pid (imports done, request read)
    client → GO                                                server → EXIT + code once dbt has returned
Before GO nothing has run: a client that cannot connect, whose peer is another user, or that gets no READY
(the warm process died or is stuck) runs dbt itself. After GO only the warm process runs dbt: if it dies the
client fails (`LOST_EXIT_CODE`), and if the client dies the warm process stops at once. Each side checks the
other's uid (SO_PEERCRED). The socket serves one build: the warm process removes it before it answers. It
closes the warehouse before it reports the code and the client exits only once it has ended, so the job opens
the warehouse after dbt as it did. Unused, it ends with the run's teardown (`WarmDbt.stop`), by itself when the
run's process is gone (checked every second) or after `IDLE_TIMEOUT_S`. It holds ~150 MB resident (~105 MB
its own) beside linkage, the night's peak step.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

WARM_DBT_SOCKET = "C360_WARM_DBT_SOCKET"  # the run's socket, in the environment dbt's subprocess inherits
WARM_DBT_ENABLED = "C360_WARM_DBT"  # "0": no warm process, dbt imports itself as before
READY, GO, EXIT = b"R", b"G", b"X"
LOST_EXIT_CODE = 3  # the warm process ended after GO without an exit code (dbt's own: 0, 1, 2)
READY_TIMEOUT_S = 300.0  # a warm process that has not answered by then (stopped, stuck) is given up before GO
EXIT_TIMEOUT_S = 60.0  # how long a client waits for the warm process to end once it has reported dbt's code
IDLE_TIMEOUT_S = 3 * 3600.0  # unasked for, it ends by itself (its run's teardown ends it first)
_LENGTH = struct.Struct("!I")
_CODE = struct.Struct("!i")
_PID = struct.Struct("!i")


def peer_ids(conn: socket.socket) -> tuple[int, int]:
    """(pid, uid) of the process at the other end of a connected Unix socket, as the kernel saw it connect."""
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    pid, uid, _gid = struct.unpack("3i", creds)
    return pid, uid


def recv_exactly(conn: socket.socket, size: int) -> bytes:
    """`size` bytes, or fewer when the peer closed first."""
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            break
        data += chunk
    return data


def send_request(conn: socket.socket, request: dict, fds: list[int]) -> None:
    payload = json.dumps(request).encode()
    socket.send_fds(conn, [_LENGTH.pack(len(payload))], fds)
    conn.sendall(payload)


def recv_request(conn: socket.socket, max_fds: int = 3) -> tuple[dict, list[int]]:
    """The request and its descriptors (owned by the caller); ValueError when it is cut short or not 3 fds."""
    header, fds, _flags, _addr = socket.recv_fds(conn, _LENGTH.size, max_fds)
    if len(header) != _LENGTH.size or len(fds) != max_fds:
        for fd in fds:
            os.close(fd)
        raise ValueError("incomplete request")
    (size,) = _LENGTH.unpack(header)
    payload = recv_exactly(conn, size)
    if len(payload) != size:
        for fd in fds:
            os.close(fd)
        raise ValueError("incomplete request")
    return json.loads(payload), fds


def send_ready(conn: socket.socket) -> None:
    conn.sendall(READY + _PID.pack(os.getpid()))


def send_exit(conn: socket.socket, code: int) -> None:
    conn.sendall(EXIT + _CODE.pack(code))


def hand_over(socket_path: str, argv: list[str], ready_timeout: float = READY_TIMEOUT_S) -> int | None:
    """Run `dbt <argv>` in the warm process behind `socket_path` with this process's folder, environment and
    standard streams; its exit code, or None when dbt has not started there (run it here instead)."""
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        server_pid = _started_remotely(conn, socket_path, argv, ready_timeout)
    except OSError:  # no such socket, nobody listening, the warm process gone, or no READY in time
        server_pid = None
    if server_pid is None:
        conn.close()
        return None
    # dbt runs there from now on: never here. An interrupt (dagster-dbt's SIGINT on cancel) goes to dbt.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda sig, _frame: os.kill(server_pid, sig))
    with conn:
        reply = recv_exactly(conn, 1 + _CODE.size)
        conn.settimeout(EXIT_TIMEOUT_S)
        with contextlib.suppress(OSError):
            recv_exactly(
                conn, 1
            )  # EOF: the warm process has ended, every file it held (the warehouse) closed
    if len(reply) != 1 + _CODE.size or reply[:1] != EXIT:
        print("customer360: the warm dbt process ended before dbt returned", file=sys.stderr, flush=True)
        return LOST_EXIT_CODE
    return _CODE.unpack(reply[1:])[0]


def _started_remotely(
    conn: socket.socket, socket_path: str, argv: list[str], ready_timeout: float
) -> int | None:
    """Connect, send the request and, once the warm process is READY, GO: its pid; None when it is another
    user's process or it did not answer READY (then it has not run dbt and will not)."""
    conn.connect(socket_path)
    _listener_pid, server_uid = peer_ids(conn)  # a listening socket's creator: the run, which handed it on
    if server_uid != os.getuid():
        return None
    umask = os.umask(0o022)
    os.umask(umask)
    request = {"argv": argv, "cwd": os.getcwd(), "env": dict(os.environ), "umask": umask}
    send_request(conn, request, [0, 1, 2])
    conn.settimeout(ready_timeout)
    ready = recv_exactly(conn, 1 + _PID.size)
    if len(ready) != 1 + _PID.size or ready[:1] != READY:
        return None
    conn.settimeout(None)
    conn.sendall(GO)
    return _PID.unpack(ready[1:])[0]


def warm_dbt_wanted() -> bool:
    """On unless C360_WARM_DBT=0, for the DuckDB engine (dbt-spark's session would outlive the warm process)."""
    from assets.dbt.engine import dbt_engine

    return os.environ.get(WARM_DBT_ENABLED, "1").strip() != "0" and dbt_engine() == "duckdb"


WarmUp = Callable[[Path], list[str]]  # given a private folder, the `dbt parse` arguments of the night's build


def _quiet_resource_tracker() -> str:
    """PYTHONWARNINGS for the warm process: dbt's multiprocessing resource tracker, started by the warm-up with the
    run's stderr, warns of leaked semaphores once dbt's process ends without a teardown (as `quick_exit` ends it):
    on dbt's own output before, on the run's terminal now. Unbuffered output: dagster-dbt's events as they come."""
    ignore = "ignore::UserWarning:multiprocessing.resource_tracker"
    return ",".join(filter(None, [os.environ.get("PYTHONWARNINGS", ""), ignore]))


class WarmDbt:
    """One warm dbt process and its private socket folder; `stop()` ends it if still there and removes both."""

    def __init__(self, idle_timeout: float = IDLE_TIMEOUT_S, warm_up: WarmUp | None = None) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="c360-dbt-"))  # 0700: only this user reaches the socket
        self.socket_path = str(self.folder / "dbt.sock")
        parse_args = [] if warm_up is None else [json.dumps(warm_up(self.folder / "parse"))]
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            listener.bind(self.socket_path)
            listener.listen(8)  # a client connecting now waits in the backlog until the imports are done
            command = [
                sys.executable,
                "-m",
                "assets.dbt.warm_server",
                str(listener.fileno()),
                str(os.getpid()),
            ]
            self.process = subprocess.Popen(
                [*command, str(idle_timeout), *parse_args],
                pass_fds=[listener.fileno()],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                env={**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONWARNINGS": _quiet_resource_tracker()},
            )
        except BaseException:
            shutil.rmtree(self.folder, ignore_errors=True)
            raise
        finally:
            listener.close()  # only the warm process listens: once it is gone, connecting fails at once

    def stop(self, grace: float = 5.0) -> int | None:
        """End the warm process (SIGTERM, then SIGKILL after `grace` s) unless it has; its exit status."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(grace)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)
        return self.process.returncode


@contextlib.contextmanager
def warm_dbt(runs_dbt: bool = True, warm_up: WarmUp | None = None) -> Iterator[WarmDbt | None]:
    """A warm dbt process for the run inside the block (when it `runs_dbt`), its socket in the environment dbt's
    subprocess inherits; ended (if unused) and its folder removed when the block ends, however the run went."""
    if not (runs_dbt and warm_dbt_wanted()):
        yield None
        return
    warm = WarmDbt(warm_up=warm_up)
    before = os.environ.get(WARM_DBT_SOCKET)
    os.environ[WARM_DBT_SOCKET] = warm.socket_path
    try:
        yield warm
    finally:
        if before is None:
            os.environ.pop(WARM_DBT_SOCKET, None)
        else:
            os.environ[WARM_DBT_SOCKET] = before
        warm.stop()
