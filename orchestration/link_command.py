"""`customer360 link INPUT --out OUT`: link a user's own CSV/Parquet of person records.

INPUT columns (any subset; one row per record, several rows of one record are merged):
  source, source_record_id (or id), full_name or given_name + family_name, email, email_secondary,
  phone_mobile (or phone), phone_office, phone_home, phone_other, birth_date, gender, country, province,
  city, address, postcode, company, title, wechat_id, updated_at.
Or person records as written by the standardise step (silver/person Parquet, list columns emails/phones).
OUT receives customer_xref, match_pairs, review_queue, id_history, linkage_runs (Parquet). An existing
customer_xref in OUT is the previous run: its customers keep their ids.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer

from assets.link.io import read_previous, read_user_table, write_linkage_outputs
from linkage.config import load_linkage_config
from linkage.engine import link


def link_command(
    input: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="CSV or Parquet of person records")
    ],
    out: Annotated[Path, typer.Option("--out", help="folder for the linkage tables")],
    config: Annotated[
        Path | None, typer.Option("--config", help="linkage.yaml (default: config/linkage.yaml)")
    ] = None,
) -> None:
    """Find which records are the same customer; write customer ids, match evidence and a review queue."""
    settings = load_linkage_config(config)
    persons = read_user_table(input)
    run_id = dt.datetime.now(dt.UTC).strftime("cli-%Y%m%dT%H%M%S%f")
    result = link(persons, settings, previous_xref=read_previous(out, "customer_xref"), run_id=run_id)
    paths = write_linkage_outputs(result, out, run_id)
    s = result.summary
    typer.echo(
        f"{s['records']} records → {s['clusters']} customers ({s['multi_record_clusters']} with several records); "
        f"{s['matches']} matching pairs, {s['review']} to review; new {s['new_customers']}, merged {s['merged']}, "
        f"split {s['split']}"
    )
    typer.echo(json.dumps({"pairs_by_rule": s["pairs_by_rule"], "timings": s["timings"]}))
    for name, path in paths.items():
        typer.echo(f"{name}: {path}")


def main() -> None:  # `python -m orchestration.link_command` without the project CLI
    typer.run(link_command)


if __name__ == "__main__":
    main()
