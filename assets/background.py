"""Work a later step of the run needs, done ahead in a thread of the job process while earlier steps run.

The nightly job runs every step in one process (orchestration/executor.py) on a machine whose second core is
mostly idle while the job's own Python runs. A step whose inputs are already final can have its reads done
ahead: `start(name, fn, inputs)` runs `fn` in a daemon thread and notes the identity of its input files (each
path's inode, mtime_ns and size; a folder's listing with the same of each entry) before and after the work;
`take(name, fn, inputs)`, in the step, waits for it and returns its result only when the identity before,
after and now are one and `fn` raised nothing. Otherwise the step runs `fn()` itself, as it would without
this module, so an input rewritten meanwhile (an erasure, a second writer) is read again and an error is
raised in the step that needs the result. Background work only reads and computes: it never writes.

The run plans what starts when: `background_run({point: [starters]})`; `reached(point)` starts them, called by
the job's hook when a step succeeded (the point is the step's name) or by a step at a point of its own, with
what it hands on (the link step once its customer file is written under its temporary name, with that name:
XREF_STAGED; once its outputs are in place: LINKAGE_WRITTEN). Each part of the run plans its own work (`plan`:
nothing when it is not wanted) and the run merges their plans (`merged_plans`). Work is only started inside
`background_run()` (the run's scope: the job's executor, `customer360 run`); outside one, `start` does nothing
and `take` runs `fn()`. The scope's end waits for what is still running and drops every result nobody took, so
nothing is carried from one run to the next.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)
# (path, inode, mtime_ns, size) of a file or folder, its entries' after a folder's; None for a missing path
Identity = tuple[tuple[str, int, int, int] | tuple[str, None], ...]
Plan = dict[str, list[Callable[..., None]]]  # point → what to start once the run reaches it

# The points a step announces (`reached`), beside the step names the job's hook announces. A raw step's
# (assets/ingest/defs.py) once it has loaded a new landing file
NEW_FILES_LOADED = "ingest: new landing files loaded"
# the link step's (assets/link/defs.py link_night), where the night's customer file is written: what reads it
# can start
LINKAGE_WRITTEN = "link: linkage outputs written"
# the point where the night's customer file is written under its temporary name, not yet in place (handed on:
# that file's path): what reads only it can start there, on the file that will be put in place
XREF_STAGED = "link: customer file staged"


def identity(inputs: Sequence[Path]) -> Identity:
    """What tells that the files read are still the ones read: each path's inode, mtime_ns and size; a folder
    adds those of everything under it. A file replaced by an atomic rename has a new inode."""
    out: list = []
    for path in inputs:
        out += _stat(Path(path))
        if Path(path).is_dir():
            out += _tree(Path(path))
    return tuple(out)


def _tree(folder: Path) -> list:
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except FileNotFoundError:  # removed meanwhile: differs from what was there
        return [(str(folder), None)]
    out: list = []
    for entry in entries:
        out += _stat(Path(entry.path))
        if entry.is_dir(follow_symlinks=False):
            out += _tree(Path(entry.path))
    return out


def _stat(path: Path) -> list:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return [(str(path), None)]
    return [(str(path), st.st_ino, st.st_mtime_ns, st.st_size)]


@dataclass
class _Task:
    inputs: tuple[str, ...]
    before: Identity | None = None
    after: Identity | None = None
    result: Any = None
    error: BaseException | None = None
    dropped: bool = False  # discarded: work not yet begun is not done
    done: threading.Event = field(default_factory=threading.Event)


_lock = threading.Lock()
_tasks: dict[str, _Task] | None = None  # None: no run scope open
# the threads of the open scope, their work taken or not: the scope's end waits for them (a thread drops its
# work when it ends, so this does not keep a result the step has freed)
_started: list[threading.Thread] = []
_planned: dict[str, list[Callable[..., None]]] = {}
_depth = 0


@contextmanager
def background_run(planned: Mapping[str, Sequence[Callable[..., None]]] | None = None) -> Iterator[None]:
    """The run's scope for background work. `planned`: point → what to start once the run reaches it (`reached`:
    a step's name once it succeeded, or a point a step announces). A nested scope shares the outer one."""
    global _tasks, _depth
    with _lock:
        _depth += 1
        if _depth == 1:
            _tasks = {}
        for point, starters in (planned or {}).items():
            _planned.setdefault(point, []).extend(starters)
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            left = list(_started) if _depth == 0 else []
            if _depth == 0:
                for task in (_tasks or {}).values():  # nobody took it: not begun, not done
                    task.dropped = True
                _tasks = None
                _started.clear()
                _planned.clear()
        for thread in left:  # nothing outlives the run: its reads end before the next run's writes
            thread.join()


def plan(point: str | None, *starters: Callable[..., None]) -> Plan:
    """For `background_run`: `starters` started once the run reaches `point`; nothing without a point to
    wait for (the work is not wanted)."""
    return {} if point is None else {point: list(starters)}


def merged_plans(*plans: Plan) -> Plan:
    """The plans' work by point, each point's in the plans' order (two plans may wait for the same point)."""
    merged: Plan = {}
    for planned in plans:
        for point, work in planned.items():
            merged.setdefault(point, []).extend(work)
    return merged


def reached(point: str, *args: Any) -> None:
    """Start what the run planned to start at `point` (once), each starter given `args` (what the point hands
    on, e.g. the file a step has just written)."""
    with _lock:
        starters = _planned.pop(point, [])
    for starter in starters:
        starter(*args)


def start(name: str, fn: Callable[[], Any], inputs: Sequence[Path]) -> None:
    """Run `fn` in a daemon thread for a later `take(name, …)`; nothing outside a run scope or when `name` is
    already under way."""
    start_in_order([(name, fn, inputs)])


def _run(task: _Task, fn: Callable[[], Any], inputs: Sequence[Path]) -> None:
    try:
        task.before = identity(inputs)
        task.result = fn()
    except BaseException as error:  # handed to the step, which runs fn() itself
        task.error = error
    finally:
        task.after = identity(inputs)
        task.done.set()


def start_in_order(work: Sequence[tuple[str, Callable[[], Any], Sequence[Path]]]) -> None:
    """`start` of each (name, fn, inputs) of `work`, one after the other in one daemon thread, each taken
    (`take`) as soon as it is done: a step that needs the first first does not wait for the rest. Names
    already under way are left out; nothing outside a run scope."""
    tasks: list[tuple[_Task, Callable[[], Any], Sequence[Path]]] = []

    def work_in_order() -> None:
        while tasks:  # each task let go of once done: its result is the step's to keep or free
            task, fn, inputs = tasks.pop(0)
            if not task.dropped:  # (work discarded before it began is not done)
                _run(task, fn, inputs)
            else:
                task.done.set()
            del task, fn, inputs

    with _lock:
        if _tasks is None:
            return
        for name, fn, inputs in work:
            if name not in _tasks:
                task = _Task(tuple(str(p) for p in inputs))
                _tasks[name] = task
                tasks.append((task, fn, inputs))
        if not tasks:
            return
        names = ", ".join(name for name, _, _ in work)
        thread = threading.Thread(target=work_in_order, name=f"background:{names}", daemon=True)
        _started.append(thread)
        thread.start()


def under_way(name: str) -> bool:
    """Whether work started as `name` is there to take (under way or done, not yet taken or discarded)."""
    with _lock:
        return _tasks is not None and name in _tasks


def take(name: str, fn: Callable[[], T], inputs: Sequence[Path]) -> T:
    """The result of the work started as `name` when it read what `inputs` are now and raised nothing, else
    `fn()` run here. The task is forgotten either way (its result is the caller's to keep or free)."""
    task = _pop(name)
    if task is not None and task.inputs == tuple(str(p) for p in inputs):
        waited = time.perf_counter()
        task.done.wait()
        waited = time.perf_counter() - waited
        if task.error is None and task.before == task.after == identity(inputs):
            log.debug("%s: done in the background (waited %.3f s)", name, waited)
            return task.result
        log.debug("%s: done again (%s)", name, "it raised" if task.error else "its inputs changed")
    return fn()


def discard(name: str) -> None:
    """Forget the work started as `name` (a step that turned out not to need it): its result is freed once
    the thread ends; work not yet begun (`start_in_order`) is not done."""
    task = _pop(name)
    if task is not None:
        task.dropped = True


def discard_named(prefix: str) -> None:
    """`discard` every work whose name starts with `prefix`."""
    with _lock:
        names = [name for name in _tasks or {} if name.startswith(prefix)]
    for name in names:
        discard(name)


def _pop(name: str) -> _Task | None:
    with _lock:
        return None if _tasks is None else _tasks.pop(name, None)
