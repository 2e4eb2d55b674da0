"""Debian's chromium driven by playwright — never a browser downloaded by playwright."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("C360_CHROMIUM", "/usr/bin/chromium"))
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def require_chromium() -> Path:
    """The browser binary, or a test FAILURE saying how to install it (the browser test is never skipped)."""
    if not CHROMIUM.exists() or not os.access(CHROMIUM, os.X_OK):
        found = shutil.which("chromium")
        hint = f" (a chromium is on PATH at {found}: set C360_CHROMIUM)" if found else ""
        pytest.fail(
            f"chromium not found at {CHROMIUM}{hint}: run `bash tests/system_deps.sh` as root "
            "(apt-get install chromium) — the browser test needs Debian's headless chromium",
            pytrace=False,
        )
    return CHROMIUM


@contextmanager
def launched(executable: Path) -> Iterator:
    """Debian's chromium under playwright, headless, closed on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=str(executable), args=ARGS, headless=True)
        try:
            yield instance
        finally:
            instance.close()


@contextmanager
def new_page(browser, timeout_ms: int = 60_000) -> Iterator:
    """A page in a fresh context (own cookies), 1400×1000, generous timeouts for 2 busy cores."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(timeout_ms)
    try:
        yield context.new_page()
    finally:
        context.close()
