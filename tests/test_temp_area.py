"""Small files put in place whole (run reports, silver stamps, dbt's node seconds and parse cache, delivery
manifests): a reader finds the old file or the new one, and a write that fails leaves the old file and no
temporary one."""

from pathlib import Path

import pytest

from assets.temp_area import copy_atomically, write_text_atomically


def test_a_write_replaces_the_file_whole(tmp_path: Path):
    path = tmp_path / "stamp.json"
    path.write_text("old")
    write_text_atomically(path, "新的")
    assert path.read_text(encoding="utf-8") == "新的"
    assert list(tmp_path.iterdir()) == [path]


def test_a_failed_write_keeps_the_old_file_and_no_temporary(tmp_path: Path):
    path = tmp_path / "report.html"
    path.write_text("old")
    with pytest.raises(TypeError):
        write_text_atomically(path, None)  # type: ignore[arg-type]
    assert path.read_text() == "old"
    assert list(tmp_path.iterdir()) == [path]


def test_a_failed_copy_keeps_the_old_file_and_no_temporary(tmp_path: Path):
    path = tmp_path / "latest.html"
    path.write_text("old")
    with pytest.raises(FileNotFoundError):
        copy_atomically(tmp_path / "missing.html", path)
    assert path.read_text() == "old"
    assert list(tmp_path.iterdir()) == [path]


def test_a_named_temporary_is_used_and_gone(tmp_path: Path):
    path = tmp_path / "_manifest.json"
    staged = tmp_path / "._manifest.json.tmp-1"
    write_text_atomically(path, "{}", staged=staged)
    assert path.read_text() == "{}" and not staged.exists()
