"""Where backups live: a local folder or `s3://bucket/prefix` (boto3, AWS_* variables as everywhere else).

A backup is a folder `backup-<UTC time>/` of files plus `MANIFEST.json`; the manifest is written last, so a
backup without one is incomplete (a crash mid-backup) and is neither listed nor restored.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

MANIFEST = "MANIFEST.json"
PREFIX = "backup-"


class BackupStore(Protocol):
    def put(self, backup: str, name: str, data: Iterator[bytes]) -> None: ...
    def get(self, backup: str, name: str) -> Iterator[bytes]: ...
    def names(self) -> list[str]:
        """Complete backups (manifest present), oldest first."""

    def files(self, folder: str) -> list[str]:
        """Names of the files directly in `folder` (e.g. the erasure journal)."""

    def delete(self, backup: str) -> None: ...
    def describe(self, backup: str) -> str: ...


class FolderStore:
    def __init__(self, root: Path):
        self.root = Path(root)

    def put(self, backup: str, name: str, data: Iterator[bytes]) -> None:
        path = self.root / backup / name
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        with open(tmp, "wb") as out:
            for chunk in data:
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        tmp.replace(path)

    def get(self, backup: str, name: str) -> Iterator[bytes]:
        with open(self.root / backup / name, "rb") as handle:
            while chunk := handle.read(1 << 20):
                yield chunk

    def names(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.parent.name for p in self.root.glob(f"{PREFIX}*/{MANIFEST}"))

    def files(self, folder: str) -> list[str]:
        path = self.root / folder
        return sorted(p.name for p in path.iterdir() if p.is_file()) if path.is_dir() else []

    def delete(self, backup: str) -> None:
        shutil.rmtree(self.root / backup, ignore_errors=True)

    def describe(self, backup: str) -> str:
        return str(self.root / backup)


class S3Store:
    def __init__(self, url: str):
        from assets.secrets import S3Storage, active

        bucket, _, prefix = url.removeprefix("s3://").partition("/")
        self.bucket, self.prefix = bucket, prefix.strip("/")
        self.client = active(S3Storage).client()

    def _key(self, *parts: str) -> str:
        return "/".join(p for p in (self.prefix, *parts) if p)

    def put(self, backup: str, name: str, data: Iterator[bytes]) -> None:
        import io

        # Parts are read into memory one file at a time; boto3 uploads large ones in multipart chunks.
        self.client.upload_fileobj(io.BytesIO(b"".join(data)), self.bucket, self._key(backup, name))

    def get(self, backup: str, name: str) -> Iterator[bytes]:
        body = self.client.get_object(Bucket=self.bucket, Key=self._key(backup, name))["Body"]
        yield from body.iter_chunks(1 << 20)

    def _keys(self, prefix: str) -> Iterator[str]:
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                yield item["Key"]

    def names(self) -> list[str]:
        start = self._key(PREFIX)
        found = {
            k[len(self._key("")) :].lstrip("/").split("/")[0]
            for k in self._keys(start)
            if k.endswith(MANIFEST)
        }
        return sorted(found)

    def files(self, folder: str) -> list[str]:
        start = self._key(folder) + "/"
        return sorted(k[len(start) :] for k in self._keys(start) if "/" not in k[len(start) :])

    def delete(self, backup: str) -> None:
        for key in list(self._keys(self._key(backup) + "/")):
            self.client.delete_object(Bucket=self.bucket, Key=key)

    def describe(self, backup: str) -> str:
        return f"s3://{self.bucket}/{self._key(backup)}"


def open_store(where: str | Path) -> FolderStore | S3Store:
    text = str(where)
    return S3Store(text) if text.startswith("s3://") else FolderStore(Path(text))
