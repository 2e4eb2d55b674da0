"""The linkage engine: which records are the same person, with persistent customer ids.

Public API (import from the modules; this package imports nothing heavy on purpose):
- `linkage.standardise`: Series → Series standardisers (emails, E.164 phones, names and romanisations, …).
- `linkage.records.build_person_records(frame, entity, source, region)`: one source's rows → person records.
- `linkage.config.load_linkage_config(path)` → `LinkageConfig` (config/linkage.yaml, pydantic-validated).
- `linkage.engine.link(persons, config, previous_xref, run_id, training_labels)` → `LinkageResult`
  (.xref, .pairs, .review, .history, .summary, .parameters).
- `linkage.engine.finish_link(RecordTable, ScoredPairs, …)`: every stage after scoring (`resolve_clusters`,
  then `link_outputs`: ids and output tables); `linkage.spark.engine.link_spark` runs the pair stages on Spark
  and `resolve_clusters` per connected component, then the same `link_outputs`;
  `linkage.engine.linkable_records`: the reference pairs and the records that may be paired.
- `linkage.pair_store.compare_pairs(records, config, pairs)` → `PairStore`: every candidate pair compared in
  bounded chunks, kept compactly (int8 levels, compact rule masks, sparse overlap frequencies); `weigh_chunks`
  gives each pair's summed weight without holding the weights.
- `linkage.evaluate.evaluate_pairs / evaluate_clusters / pairs_from_clusters`: precision, recall, F1.
- `linkage.datasets.febrl_person_records`: FEBRL3/4 as person records + true pairs.

A library: it imports nothing from `assets/`, `orchestration/` or Dagster, so Spark executors and scripts load
only the engine. Its users do the I/O (`assets.link.io`, `orchestration.link_command`).

Stages: prepare (keys) → encode (integer codes, one vocabulary) → blocking (numpy, rules OR-ed, capped
blocks) → compare (graded levels on codes, rapidfuzz for similarity) → score (u from random pairs, m by EM per blocking rule, prior by EM, TF-adjusted weights) → cluster
(connected components + chaining guard) → identity (ids kept by overlap, history of merges/splits).
"""
