"""linkage/ is a library: importing every module of it loads nothing of the pipeline or of Dagster."""

import subprocess
import sys
from pathlib import Path

import linkage

LINKAGE_DIR = Path(linkage.__file__).parent


def test_linkage_imports_no_pipeline_module() -> None:
    modules = sorted(
        "linkage." + ".".join(p.relative_to(LINKAGE_DIR).with_suffix("").parts)
        for p in LINKAGE_DIR.rglob("*.py")
        if p.name != "__init__.py"
    )
    assert "linkage.engine" in modules and "linkage.records" in modules
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "print('\\n'.join(m for m in sys.modules if m.split('.')[0] in ('assets', 'orchestration', 'dagster')))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.split() == [], f"linkage/ pulls in: {loaded.split()[:5]}"
