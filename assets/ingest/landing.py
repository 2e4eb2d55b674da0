"""Landing zones: a local folder or `s3://bucket/prefix` (boto3; endpoint and credentials from the environment)."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TypeVar

from assets.ingest.confine import check_glob

T = TypeVar("T")
_DATE_SEGMENT = re.compile(r"(?:^|[=_])(\d{4}-\d{2}-\d{2})$")


@dataclass(frozen=True)
class LandingFile:
    source: str
    key: str  # path relative to the landing root, '/'-separated
    size: int
    uri: str  # absolute path or s3://bucket/key
    version: str = (
        ""  # changes whenever the object is rewritten (local: inode:mtime_ns:ctime_ns; S3: etag:mtime)
    )


@cache
def glob_regex(pattern: str) -> re.Pattern[str]:
    """A landing glob as a regex over '/'-separated keys: `*` and `?` stay in one segment, `**/` spans many."""
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:[^/]*/)*")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def literal_folder(glob: str) -> str:
    """The fixed folder a glob starts with: 'crm/**/*.csv' -> 'crm/', '*.csv' -> ''."""
    fixed = re.split(r"[*?\[]", glob, maxsplit=1)[0]
    return fixed[: fixed.rfind("/") + 1]


def key_date(key: str) -> str | None:
    """The YYYY-MM-DD of a key's folder (`2026-03-01/`, `dt=2026-03-01/`, `run_date=2026-03-01/`), if any."""
    for segment in reversed(key.split("/")[:-1]):
        m = _DATE_SEGMENT.search(segment)
        if m:
            return m.group(1)
    return None


def with_retries(fn: Callable[[], T], attempts: int = 5, base_delay: float = 0.2) -> T:
    """Call `fn`, retrying transient S3/network errors with exponential backoff (0.2 s, 0.4 s, 0.8 s…)."""
    from botocore.exceptions import BotoCoreError, ClientError

    for attempt in range(attempts):
        try:
            return fn()
        except ClientError as exc:
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            code = exc.response.get("Error", {}).get("Code", "")
            transient = status >= 500 or status == 429 or code in {"SlowDown", "RequestTimeout", "Throttling"}
            if not transient or attempt == attempts - 1:
                raise
        except (BotoCoreError, ConnectionError, TimeoutError):
            if attempt == attempts - 1:
                raise
        time.sleep(base_delay * 2**attempt)
    raise AssertionError("unreachable")


class LandingMissing(FileNotFoundError):
    """The landing zone itself is not there: a mount or path problem, never 'no files tonight'."""


class LocalLanding:
    def __init__(self, root: str | Path):
        self.root = Path(root)

    def list(self, source: str, glob: str) -> list[LandingFile]:
        if not self.root.is_dir():
            raise LandingMissing(
                f"landing zone {self.root} does not exist — create it, mount it or set C360_LANDING"
            )
        check_glob(glob)
        rx = glob_regex(glob)
        start = self.root / literal_folder(glob)
        out = []
        for path in sorted(start.rglob("*")) if start.is_dir() else []:
            if not path.is_file():  # (a symlink placed in the zone by its owner is followed: their choice)
                continue
            key = path.relative_to(self.root).as_posix()
            if rx.match(key) and not _hidden(key):
                st = path.stat()
                version = f"{st.st_ino}:{st.st_mtime_ns}:{st.st_ctime_ns}"  # ctime: no tool can set it back
                out.append(LandingFile(source, key, st.st_size, str(path), version))
        return out

    @contextlib.contextmanager
    def local_copy(self, file: LandingFile) -> Iterator[Path]:
        yield Path(file.uri)


class S3Landing:
    def __init__(self, uri: str):
        bucket, _, prefix = uri.removeprefix("s3://").partition("/")
        self.bucket, self.prefix = bucket, prefix.strip("/")

    @property
    def client(self):
        return s3_client()

    def list(self, source: str, glob: str) -> list[LandingFile]:
        check_glob(glob)
        rx = glob_regex(glob)
        base = f"{self.prefix}/" if self.prefix else ""
        out = []
        paginator = self.client.get_paginator("list_objects_v2")
        folder = literal_folder(glob)  # list only below the glob's fixed folder, not the whole zone
        pages = with_retries(lambda: list(paginator.paginate(Bucket=self.bucket, Prefix=base + folder)))
        for page in pages:
            for obj in page.get("Contents", []):
                key = obj["Key"][len(base) :]
                if key and not key.endswith("/") and rx.match(key) and not _hidden(key):
                    version = f"{obj.get('ETag', '')}:{obj['LastModified'].isoformat() if 'LastModified' in obj else ''}"
                    uri = f"s3://{self.bucket}/{obj['Key']}"
                    out.append(LandingFile(source, key, int(obj["Size"]), uri, version))
        return sorted(out, key=lambda f: f.key)

    @contextlib.contextmanager
    def local_copy(self, file: LandingFile) -> Iterator[Path]:
        """Stream the object to a temporary file (bounded memory), retried on transient errors."""
        key = file.uri.removeprefix(f"s3://{self.bucket}/")
        fd, name = tempfile.mkstemp(prefix="c360-", suffix=Path(key).suffix)
        os.close(fd)
        try:

            def download() -> None:
                with open(name, "wb") as fh:
                    self.client.download_fileobj(self.bucket, key, fh)

            with_retries(download)
            yield Path(name)
        finally:
            Path(name).unlink(missing_ok=True)


def _hidden(key: str) -> bool:
    """Skip dot-files and partial uploads (`.tmp`, `.part`, `~$` Excel lock files)."""
    name = key.rsplit("/", 1)[-1]
    return name.startswith((".", "~$")) or name.endswith((".tmp", ".part", ".crdownload"))


def s3_client():
    """The S3 client of the `S3Storage` resource (AWS_* variables outside a run)."""
    from assets.secrets import S3Storage, active

    return active(S3Storage).client()


def landing_zone(landing: str) -> LocalLanding | S3Landing:
    return S3Landing(landing) if landing.startswith("s3://") else LocalLanding(landing)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
