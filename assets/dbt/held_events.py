"""Events of a dbt build held back until dbt has exited: DuckDB allows one process on a file being written, so what
reads the warehouse (row counts, the broken column rules) waits for the end of the stream."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any


def hold_until_exit(
    events: Iterable[Any],
    hold: Callable[[Any], bool],
    release: Callable[[list[Any]], Iterable[Any]],
    ready: Callable[[list[Any]], Iterable[Any]] | None = None,
) -> Iterator[Any]:
    """Pass `events` through, except those `hold` picks: once the stream ends (dbt exited), `release(held)` yields
    them; after each event, `ready(held)` yields those that need not wait any longer (and takes them out of `held`).
    A failed build's stream raises at its end: what was held is still released, then the failure raised."""
    held: list[Any] = []
    failure: Exception | None = None
    try:
        for event in events:
            if hold(event):
                held.append(event)
            else:
                yield event
            if ready is not None:
                yield from ready(held)
    except Exception as exc:  # dbt failed: what it did build is still reported, then the failure
        failure = exc
    if held:
        yield from release(held)
    if failure is not None:
        raise failure


def event_unique_id(event: Any) -> str:
    """The dbt node (`unique_id` metadata) a dagster-dbt event reports on; '' when it carries none."""
    return str(getattr(event.metadata.get("unique_id"), "value", ""))
