"""The linkage engine on Spark: link() with the stages that grow with the candidate pairs on DataFrames, calling
the same functions; the stages after scoring per connected component (finish.py); the driver holds the record
table and per-record results, never the candidate pairs.

- records (engine.py): prepared once on the driver (`linkage.prepare.prepare_records`: rid, keys), written to
  the work path; the whole table's value counts (term frequencies) joined on in Spark (records.py).
- blocking (blocking.py): one join per rule on its key, the same per-rule block-size caps, rules OR-ed; the
  pairs between linkable records plus the reference pairs (engine.py: `with_references` as joins).
- comparisons (compare.py): `mapInPandas` batches of pairs; each batch encodes the records it touches and calls
  `linkage.compare.compare` with the whole table's value counts.
- scoring (engine.py, score.py): u from the same random pairs, m by the same EM on the comparison patterns
  counted in Spark, the prior by the same EM on the distinct evidence values, weights in `mapInPandas`.
- after scoring (finish.py): steward labels (fitted on the labelled pairs, applied in Spark), evidence
  completion, then per connected component (components.py: large-star/small-star) `resolve_clusters` in
  `applyInPandas`: households, references, the chaining guard, must-/cannot-links, contact points; the driver
  gets labels and the kept (match/review) pairs, runs the mistyped-e-mail look-up and `link_outputs`.

pyspark is imported inside functions only: `import linkage.spark` works without it.
"""
