"""`customer360 sample`: a messy multi-source sample delivery with its ground truth."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def sample_command(
    out: Annotated[
        Path,
        typer.Option(metavar="DIR", help="data directory; files land in DIR/landing, truth in DIR/truth"),
    ],
    customers: Annotated[int, typer.Option(min=1, help="number of true customers")] = 2000,
    seed: Annotated[int, typer.Option(help="random seed (same seed, same files)")] = 7,
) -> None:
    """Write a messy multi-source sample delivery about one set of true customers."""
    from assets.sample import generate_sample

    summary = generate_sample(out, customers=customers, seed=seed)
    typer.echo(f"sample: {summary}")
