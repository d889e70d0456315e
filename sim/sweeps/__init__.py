"""Sweep machinery: one job of a multirun, the run store, the journal and progress,
the failure ledger, provenance, the launcher callback, and collection into a table.
Nothing here imports the model at module level: a sweep's launching process never simulates."""
