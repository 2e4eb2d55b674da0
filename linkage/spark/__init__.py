"""The linkage engine on Spark: the same stages as linkage/engine.py, on DataFrames, calling the same functions.

- records (records.py): `prepare_columns` in `mapInPandas` batches, `rid` in (source, source_record_id) order,
  the whole table's value counts (term frequencies) joined on, written once to the work path.
- blocking (blocking.py): one join per rule on its key, the same per-rule block-size caps, rules OR-ed.
- comparisons (compare.py): `mapInPandas` batches of pairs; each batch encodes the records it touches and calls
  `linkage.compare.compare` with the whole table's value counts.
- scoring (engine.py): u from the same random pairs, m by the same EM on the comparison patterns counted in
  Spark, the prior by the same EM on the distinct evidence values, weights and decisions in `mapInPandas`.
- clusters (components.py): connected components by large-star/small-star joins, then the chaining guard
  (`linkage.cluster.guarded_clusters`) per component in `applyInPandas`.
- identity: `linkage.identity.assign_customer_ids` on the driver (one row per record).

pyspark is imported inside functions only: `import linkage.spark` works without it.
"""
