"""Local folder target: `<path>/run_date=<d>/<table>.<fmt>` + `_manifest.json`, each file swapped in by rename."""

from __future__ import annotations

import errno
import json
import os
import shutil
from pathlib import Path

from assets.deliver.config import ParquetTarget
from assets.deliver.staging import StagedTable, note_erasure
from assets.ingest.confine import delivery_dir
from assets.ingest.landing import sha256_file
from assets.layout import DataLayout
from assets.privacy.matching import ErasureMatcher
from assets.privacy.rewrite import data_files, erase_from_file
from assets.temp_area import write_text_atomically

MANIFEST = "_manifest.json"


def replace_atomically(src: Path, dest: Path, tag: str) -> None:
    """Move `src` next to `dest` under a hidden temp name, then rename over it: readers see old or new, never half.
    A staged file on the same filesystem is renamed, not copied (the 150k night's 133 MB of marts written once);
    from another filesystem it is copied."""
    tmp = dest.with_name(f".{dest.name}.tmp-{tag}")
    try:
        try:
            os.replace(src, tmp)
        except OSError as error:
            if error.errno != errno.EXDEV:
                raise
            shutil.copyfile(src, tmp)
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


def write_json_atomically(data: dict, dest: Path) -> None:
    """A manifest swapped in under a hidden name (what reads the folder never lists it)."""
    text = json.dumps(data, indent=2, ensure_ascii=False, default=str)
    write_text_atomically(dest, text, staged=dest.with_name(f".{dest.name}.tmp-{os.getpid()}"))


class FolderPublisher:
    def __init__(self, target: ParquetTarget, layout: DataLayout):
        self.root = delivery_dir(target.path, layout.root, target.root, f"targets.{target.name}.path")

    def publish(self, staged: list[StagedTable], manifest: dict) -> str:
        dest = self.root / f"run_date={manifest['run_date']}"
        dest.mkdir(parents=True, exist_ok=True)
        for table in staged:
            replace_atomically(table.path, dest / table.path.name, manifest["run_id"])
        path = dest / MANIFEST
        write_json_atomically(manifest, path)
        return str(path)

    def erase(self, matcher: ErasureMatcher) -> int:
        removed = 0
        for path in data_files(self.root):
            hit = erase_from_file(path, matcher)
            if len(hit):
                removed += len(hit)
                manifest = path.parent / MANIFEST
                if manifest.exists():
                    data = json.loads(manifest.read_text(encoding="utf-8"))
                    note_erasure(data, path.name, len(hit), sha256_file(path))
                    write_json_atomically(data, manifest)
        return removed
