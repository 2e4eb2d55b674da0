"""Paths from configuration stay inside their roots: landing globs in the landing zone, `use:` files in
config/vendors, delivery folders in the data directory (or a root the configuration declares).

Each refusal is one `PathOutsideRoot` line naming the key and the value. Checks are lexical first (`..`,
absolute paths, `~`, URLs), then on resolved paths, so a symlink cannot lead out either.
"""

from __future__ import annotations

import os
import re
from pathlib import Path, PurePosixPath

DELIVERY_ROOT_ENV = "C360_DELIVERY_ROOT"
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_DRIVE = re.compile(r"^[A-Za-z]:")


class PathOutsideRoot(ValueError):
    """A configured path that would read or write outside the root it belongs to."""


def escapes(relative: str) -> str | None:
    """Why `relative` (a '/'-separated path or glob meant to stay under a root) could leave it, or None."""
    text = relative.strip()
    if not text:
        return None
    if _SCHEME.match(text):
        return "is a URL; give a path relative to the root"
    if text.startswith(("/", "\\", "~")) or _DRIVE.match(text):
        return "is absolute; give a path relative to the root"
    if ".." in PurePosixPath(text.replace("\\", "/")).parts:
        return "climbs out with '..'"
    return None


def check_glob(glob: str) -> str:
    """A landing glob stays in the landing zone (a folder or an s3 prefix): no absolute path, no `..`."""
    why = escapes(glob)
    if why:
        raise PathOutsideRoot(f"glob {glob!r} {why} — globs are relative to the landing zone")
    return glob


def inside(path: Path, root: Path) -> bool:
    """`path` (resolved, symlinks followed) is `root` or below it."""
    return Path(path).resolve().is_relative_to(Path(root).resolve())


def vendor_file(config_dir: Path, use: str, key: str) -> Path:
    """The `use:` file under `config_dir/vendors`; anything else is refused by name."""
    vendors = config_dir / "vendors"
    why = escapes(use)
    ref = config_dir / use
    if why is None and not inside(ref, vendors):
        why = f"is outside {vendors}"
    if why:
        raise PathOutsideRoot(f"{key}: {use!r} {why} — point it at a file in vendors/")
    return ref


def delivery_root(declared: str | None) -> Path | None:
    """The folder outside the data directory that delivery may write to: the target's `root:` key, else
    C360_DELIVERY_ROOT; None when neither allows one."""
    root = declared or os.environ.get(DELIVERY_ROOT_ENV) or None
    return Path(root).expanduser().resolve() if root else None


def delivery_dir(path: str, data_dir: Path, declared_root: str | None, key: str) -> Path:
    """Where a folder target writes: a relative `path` is under the data directory; any path must end up
    inside the data directory or the declared delivery root."""
    data = Path(data_dir).resolve()
    root = delivery_root(declared_root)
    target = Path(path).expanduser()
    target = (target if target.is_absolute() else data / target).resolve()
    if inside(target, data) or (root is not None and inside(target, root)):
        return target
    allowed = f"the data directory {data}" + (f" or the delivery root {root}" if root else "")
    how = "" if root else f" (set `root:` on the target or {DELIVERY_ROOT_ENV} to allow a folder outside it)"
    raise PathOutsideRoot(f"{key}: {path!r} is outside {allowed}{how}")
