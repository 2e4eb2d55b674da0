"""`customer360 link INPUT --out OUT`: link a user's own file of person records.

INPUT is read like a landing file (encoding and delimiter detected; CSV, TSV, XLSX, JSON lines; headers matched
against the contact columns and every shipped vendor mapping, so a GBK export with Chinese headers works);
headers that match nothing are reported. Person records as written by the standardise step (silver/person
Parquet, list columns emails/phones) are read as they are. OUT receives customer_xref, match_pairs,
review_queue, id_history, linkage_runs (Parquet). An existing customer_xref in OUT is the previous run: its
customers keep their ids. As in the nightly link, the references config/sources.yaml declares resolve
customer_refs, and steward decisions in OUT/review/decisions.parquet (the log `customer360 review` writes in
a linkage folder) are applied. Every row of INPUT is read as a contact (its id column, else its row number, is
its key) and linked by what it carries; a customer_ref column is not read: orders or survey answers keyed by
CRM ids are linked through sources.yaml with their CRM files (`customer360 run`).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Annotated

import typer

from assets.layout import REPO_ROOT
from assets.link.io import persons_from_table, read_previous, read_user_table, write_linkage_outputs
from assets.link.user_file import accepted_columns_help, read_user_file

CONFIG_DIR = Path(os.environ.get("C360_CONFIG_DIR") or REPO_ROOT / "config")


def link_command(
    input: Annotated[
        Path,
        typer.Argument(
            metavar="INPUT",
            exists=True,
            dir_okay=False,
            help="CSV/TSV/XLSX/JSONL of person records, or silver/person Parquet. "
            + accepted_columns_help(CONFIG_DIR),
        ),
    ],
    out: Annotated[Path, typer.Option("--out", metavar="DIR", help="folder for the linkage tables")],
    config: Annotated[
        Path | None,
        typer.Option("--config", metavar="FILE", help="linkage.yaml (default: config/linkage.yaml)"),
    ] = None,
) -> None:
    """Find which records are the same customer; write customer ids, match evidence and a review queue."""
    from assets.link.inputs import declared_references, steward_decisions
    from linkage.config import load_linkage_config
    from linkage.engine import link

    settings = load_linkage_config(config)
    if input.suffix.lower() in (".parquet", ".pq"):
        persons = read_user_table(input)
    else:
        try:
            user_file = read_user_file(input, CONFIG_DIR)
        except ValueError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        mapped = ", ".join(f"{h} → {c}" for h, c in user_file.mapped.items() if h != c)
        typer.echo(f"read {len(user_file.frame)} rows of {input.name} ({user_file.encoding or 'n/a'})")
        if mapped:
            typer.echo(f"  columns mapped: {mapped}")
        if user_file.unmapped:
            typer.echo(f"  columns not used (unknown): {', '.join(user_file.unmapped)}")
        if user_file.bad_rows:
            typer.echo(
                f"  rows skipped as unreadable: {len(user_file.bad_rows)} (first at line {user_file.bad_rows[0].line})"
            )
        if user_file.frame.empty:
            typer.echo(
                "error: no rows with a known column to link; see the accepted columns in --help", err=True
            )
            raise typer.Exit(2)
        persons = persons_from_table(user_file.frame, input.name.split(".")[0])
    run_id = dt.datetime.now(dt.UTC).strftime("cli-%Y%m%dT%H%M%S%f")
    # As the nightly link does: the references sources.yaml declares, the decisions in OUT/review/.
    decisions = steward_decisions(out, persons)
    result = link(
        persons,
        settings,
        previous_xref=read_previous(out, "customer_xref"),
        run_id=run_id,
        decisions=decisions,
        references=declared_references(CONFIG_DIR),
    )
    paths = write_linkage_outputs(result, out, run_id)
    s = result.summary
    typer.echo(
        f"{s['records']} records → {s['clusters']} customers ({s['multi_record_clusters']} with several records); "
        f"{s['matches']} matching pairs, {s['review']} to review; new {s['new_customers']}, merged {s['merged']}, "
        f"split {s['split']}; {s.get('unlinked_records', 0)} rows with no identifier left unlinked, "
        f"{s.get('reference_links', 0)} reference links, {s['steward']['must_links']} must-links and "
        f"{s['steward']['cannot_links']} cannot-links of stewards"
    )
    typer.echo(json.dumps({"pairs_by_rule": s["pairs_by_rule"], "timings": s["timings"]}))
    for name, path in paths.items():
        typer.echo(f"{name}: {path}")


def main() -> None:  # `python -m orchestration.link_command` without the project CLI
    typer.run(link_command)


if __name__ == "__main__":
    main()
