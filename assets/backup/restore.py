"""`customer360 restore --from … --to …`: a backup back into an empty data dir, every checksum verified first.

Nothing is written until every stored file matches its checksum: a damaged backup fails with one line naming
the file. Then each file is unsealed (when the backup is encrypted), written and checked against the sha256 of
its plain bytes. Erasure requests recorded after the backup (the erasure journal beside the backups) are put
back and applied to the restored data, so a restore never brings an erased person back.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from assets.backup.journal import reinstate_erasures
from assets.backup.sealing import SealError, unseal
from assets.backup.snapshot import CONFIG, read_manifest
from assets.backup.store import MANIFEST, PREFIX, BackupStore, open_store
from assets.layout import DataLayout
from assets.privacy.audit import record_event


class RestoreError(RuntimeError):
    """A restore that cannot go on; the message is one line naming the backup and the file."""


@dataclass(frozen=True)
class RestoreInfo:
    backup: str
    files: int
    bytes: int
    config_dir: Path
    erasures_reapplied: int


def locate(source: str) -> tuple[BackupStore, str]:
    """`source` is one backup (…/backup-<time>) or a folder/prefix of backups (the newest is taken)."""
    text = source.rstrip("/")
    leaf = text.rsplit("/", 1)[-1]
    if leaf.startswith(PREFIX):
        return open_store(text[: -len(leaf)].rstrip("/") or "."), leaf
    store = open_store(text)
    names = store.names()
    if not names:
        raise RestoreError(
            f"{source}: no complete backup found (a backup is complete once its {MANIFEST} exists)"
        )
    return store, names[-1]


def _verify(store: BackupStore, name: str, manifest: dict) -> None:
    for entry in manifest["files"]:
        digest = hashlib.sha256()
        try:
            for chunk in store.get(name, entry["name"]):
                digest.update(chunk)
        except (FileNotFoundError, OSError) as exc:
            raise RestoreError(
                f"{store.describe(name)}: {entry['name']} is missing ({exc.__class__.__name__})"
            ) from exc
        except Exception as exc:  # e.g. botocore NoSuchKey
            raise RestoreError(f"{store.describe(name)}: {entry['name']} cannot be read ({exc})") from exc
        if digest.hexdigest() != entry["stored_sha256"]:
            raise RestoreError(
                f"{store.describe(name)}: {entry['name']} does not match its checksum (altered or damaged); "
                "nothing was restored"
            )


def restore_backup(
    source: str, to: Path, key: str | None, config_to: Path | None = None, layout_landing: str | None = None
) -> RestoreInfo:
    store, name = locate(source)
    to = Path(to)
    if to.exists() and any(to.iterdir()):
        raise RestoreError(f"{to}: not empty; restore into an empty or new folder")
    try:
        manifest = read_manifest(store, name)
    except Exception as exc:
        raise RestoreError(f"{store.describe(name)}: {MANIFEST} cannot be read ({exc})") from exc
    if manifest["encrypted"] and not key:
        raise RestoreError(
            f"{store.describe(name)} is encrypted: export C360_ENCRYPTION_KEY (the key it was taken with)"
        )
    _verify(store, name, manifest)
    config_dir = Path(config_to) if config_to else to / "restored-config"
    total = 0
    for entry in manifest["files"]:
        rel = entry["name"]
        target = config_dir / rel.removeprefix(CONFIG + "/") if rel.startswith(CONFIG + "/") else to / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        digest, part = hashlib.sha256(), target.with_name(target.name + ".part")
        data = store.get(name, rel)
        try:
            with open(part, "wb") as out:
                for chunk in unseal(data, key) if manifest["encrypted"] else data:
                    digest.update(chunk)
                    out.write(chunk)
        except SealError as exc:
            part.unlink(missing_ok=True)
            raise RestoreError(f"{store.describe(name)}: {rel}: {exc}") from exc
        if digest.hexdigest() != entry["sha256"]:
            part.unlink(missing_ok=True)
            raise RestoreError(f"{store.describe(name)}: {rel} restored bytes do not match their checksum")
        part.replace(target)
        total += entry["size"]
    layout = DataLayout(root=to, landing=layout_landing or str(to / "landing"), config_dir=config_dir)
    reapplied = reinstate_erasures(layout, store)
    record_event(layout, "restore", name, details={"from": store.describe(name), "files": len(manifest["files"]),
                                                   "erasures_reapplied": reapplied})  # fmt: skip
    return RestoreInfo(store.describe(name), len(manifest["files"]), total, config_dir, reapplied)
