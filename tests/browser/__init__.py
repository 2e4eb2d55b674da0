"""Helpers of the browser test: a real `dagster dev` on a free port, and Debian's headless chromium."""
