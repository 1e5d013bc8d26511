"""Screening on Apache Spark: the built-in batch's normalisation and scoring, spread over a cluster.

Nothing here matches names: the driver builds the same ``ScreeningIndex`` as the built-in batch
(from the current list versions, or from a delta of one list), broadcasts it, and every executor
process loads it once and screens its partitions through ``screening.runs.screen_query`` — the
function the built-in batch calls for each counterparty. The compiled modules (or their Python
source, where a node has no compiled build) run on the executors as on the driver.

- ``job``: the Spark side (reading input, the partition function, writing Parquet).
- ``service``: runs as the rest of dualcheck knows them (stored, recorded in the ledger, hits in
  the review queue).
- ``bench``: ``dualcheck bench spark`` (generated counterparties, Spark against the built-in batch).

pyspark is an optional dependency (``pip install 'dualcheck[spark]'``) and needs Java 17 or later.
"""
