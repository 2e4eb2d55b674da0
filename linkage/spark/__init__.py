"""The linkage engine on Spark: link() with the stages that grow with the candidate pairs on DataFrames, calling
the same functions; the stages after scoring per connected component (finish.py); the driver holds the record
table and per-record results, never the candidate pairs.

- records (engine.py): prepared once on the driver (`linkage.prepare.prepare_records`: rid, keys), with the
  whole table's value counts (term frequencies, records.py), written to the work path.
- blocking (blocking.py): each rule's blocks found on the driver from the encoded table's integer keys (the
  local engine's rule_keys and caps), the pairs they make a self-join on Spark on the block number, rules
  OR-ed; the pairs between linkable records plus the reference pairs (engine.py: `with_references` as joins).
- comparisons (compare.py): `mapInPandas` batches of pairs; each batch encodes the records it touches and calls
  `linkage.compare.compare` with the whole table's value counts.
- scoring (engine.py, score.py): u from the same random pairs (a fixed-size sample, compared on the driver as
  in link()), m by the same EM on the comparison patterns
  counted in Spark, the prior by the same EM on the distinct evidence values, weights in `mapInPandas`.
- after scoring (finish.py): steward labels (fitted on the labelled pairs, applied in Spark), evidence
  completion, then per connected component (components.py: large-star/small-star) `resolve_clusters` in
  `applyInPandas`: households, references, the chaining guard, must-/cannot-links, contact points, mistyped
  e-mails (mistyped.py folds them into the components); the driver gets labels and the kept (match/review)
  pairs and runs `link_outputs`.
- session.py: partitions follow the cores and the file (C360_SPARK_RECORDS_PER_PARTITION), Python stages
  spread over them.

pyspark is imported inside functions only: `import linkage.spark` works without it.
"""
