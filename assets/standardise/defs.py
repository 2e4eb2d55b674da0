"""Dagster assets of the standardise step: silver/<entity> and silver/person for one run_date."""

import dagster as dg

from assets.entities import ENTITIES
from assets.errors import fail_fast
from assets.ingest.manifest import SILVER, advance, pending_dates
from assets.partitions import daily_partitions
from assets.settings import Settings
from assets.standardise.partition import PERSON, standardise_partition
from assets.standardise.rules import stale_partitions
from linkage.standardise import STANDARDISE_RULES


def build_standardise_assets(sources: list) -> dg.AssetsDefinition:
    """One multi-asset over every entity, fed by every source's bronze asset."""
    outs = {
        f"silver_{name}": dg.AssetOut(
            key=dg.AssetKey(["silver", name]), group_name="standardise", is_required=True
        )
        for name in (*ENTITIES, PERSON)
    }
    deps = [dg.AssetKey(["bronze", s.name]) for s in sources]

    @dg.multi_asset(
        name="standardise",
        outs=outs,
        deps=deps,
        partitions_def=daily_partitions,
        retry_policy=dg.RetryPolicy(max_retries=2, delay=5, backoff=dg.Backoff.EXPONENTIAL),
        description="Typed, normalised silver tables per entity (raw values kept beside) and person records for linkage.",
    )
    def standardise_assets(context: dg.AssetExecutionContext, settings: Settings):
        layout = settings.layout()
        resumed = [d for d in pending_dates(layout) if d != context.partition_key]
        stale = stale_partitions(layout, sources, skip=[*resumed, context.partition_key])
        for day, missing in stale.bronze_gone.items():
            context.log.error(
                f"silver run_date {day} was standardised under other rules than this release's "
                f"(STANDARDISE_RULES {STANDARDISE_RULES}) and bronze no longer holds its rows ({missing}): its "
                "rows stay as the older rules wrote them until its bronze files are restored"
            )
        with fail_fast():
            for day in resumed:  # partitions with files a killed run left pending: standardised again
                context.log.warning(f"resuming the pending files of run_date {day}")
                standardise_partition(layout, sources, day)
            for day in stale.rebuildable:  # written under other rules: standardised again from bronze
                context.log.warning(
                    f"re-standardising run_date {day} from bronze: written under other standardisation rules"
                    f" than this release's (STANDARDISE_RULES {STANDARDISE_RULES})"
                )
                standardise_partition(layout, sources, day)
            result = standardise_partition(layout, sources, context.partition_key)
        advance(layout, [*resumed, context.partition_key], to=SILVER)
        for name in (*ENTITIES, PERSON):
            rows = result.persons if name == PERSON else result.rows[name]
            yield dg.MaterializeResult(
                asset_key=dg.AssetKey(["silver", name]),
                metadata={
                    "dagster/row_count": rows,
                    "path": dg.MetadataValue.path(str(result.paths[name])),
                    **(
                        {
                            "rows_by_source": result.rows_by_source,
                            "resumed_partitions": resumed,
                            "restandardised_partitions": stale.rebuildable,
                            "stale_partitions_without_bronze": stale.bronze_gone,
                        }
                        if name == PERSON
                        else {}
                    ),
                },
            )

    return standardise_assets
