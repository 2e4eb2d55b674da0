"""The bodies of the `customer360` commands, one module each (declared in orchestration/cli.py)."""
