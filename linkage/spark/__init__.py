"""The linkage engine on Spark: link() with the stages that grow with the candidate pairs on DataFrames, calling
the same functions; the rest on the driver by the engine's own code (linkage.engine.finish_link).

- records (engine.py): prepared once on the driver (`linkage.prepare.prepare_records`: rid, keys), written to
  the work path; the whole table's value counts (term frequencies) joined on in Spark (records.py).
- blocking (blocking.py): one join per rule on its key, the same per-rule block-size caps, rules OR-ed; the
  pairs between linkable records plus the reference pairs (`linkage.references.with_references`, driver).
- comparisons (compare.py): `mapInPandas` batches of pairs; each batch encodes the records it touches and calls
  `linkage.compare.compare` with the whole table's value counts.
- scoring (engine.py): u from the same random pairs, m by the same EM on the comparison patterns counted in
  Spark, the prior by the same EM on the distinct evidence values, weights in `mapInPandas`.
- after scoring (driver, `finish_link`): steward labels, evidence completion inside components, households,
  references, the chaining guard, must-/cannot-links, contact points, ids, the output tables.

pyspark is imported inside functions only: `import linkage.spark` works without it.
"""
