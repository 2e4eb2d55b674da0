"""Errors that no retry can fix (wrong key, bad configuration, a path outside its root, a read-only data
directory, a missing landing zone): they fail the step at once with one line, instead of being retried by
the assets' RetryPolicy for minutes. Transient I/O errors keep their retries.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator
from contextlib import contextmanager


def permanent_types() -> tuple[type[BaseException], ...]:
    from assets.deliver.config import DeliveryConfigError
    from assets.ingest.config import SourcesConfigError
    from assets.ingest.confine import PathOutsideRoot
    from assets.ingest.landing import LandingMissing
    from assets.privacy.encryption import EncryptionUnavailable
    from linkage.config import LinkageConfigError

    return (
        EncryptionUnavailable,
        SourcesConfigError,
        DeliveryConfigError,
        PathOutsideRoot,
        LandingMissing,
        LinkageConfigError,
        PermissionError,
    )


def is_permanent(exc: BaseException) -> bool:
    if isinstance(exc, OSError) and exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOSPC):
        return True
    return isinstance(exc, permanent_types())


def one_line(exc: BaseException) -> str:
    """`Type: message` on one line (what a log line or a terminal shows)."""
    text = " ".join(str(exc).split())
    if isinstance(exc, OSError) and exc.filename and str(exc.filename) not in text:
        text = f"{exc.filename}: {text}"
    return f"{type(exc).__name__}: {text}"


@contextmanager
def fail_fast() -> Iterator[None]:
    """Inside an asset: a permanent error becomes `dg.Failure(allow_retries=False)`, so the RetryPolicy skips it."""
    try:
        yield
    except Exception as exc:
        if not is_permanent(exc):
            raise
        import dagster as dg

        raise dg.Failure(description=one_line(exc), allow_retries=False) from exc
