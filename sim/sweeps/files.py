"""The names of the files and folders of a sweep, in one place.

No imports, on purpose: code that only reads results (the analyses in
``experiments/analysis``) names these files without importing the config
schema, let alone the model. A sweep folder::

    <sweep_dir>/
      runs/<run identity>/
        config.json        the resolved simulation config
        daily.parquet      one row per simulated day
        provenance.json    who, where and which code produced the run
        metrics.json       the run's flat metrics record; written last, so it marks a finished run
      failures/<key>.json  the failure ledger: one entry per run that raised
      claims/<identity>.<n>.json   a run being simulated, and by whom (removed when it ends)
      batches/<digest>.json        the points of a job that runs several (hydra.sweeper.points_per_job)
      journal/<session>/   one folder per invocation: session.json, heartbeat.json and each run's start/end records
      runs.parquet         the collected table, one row per complete run
"""

RUNS_DIR = "runs"
CONFIG_FILE = "config.json"
DAILY_FILE = "daily.parquet"
PROVENANCE_FILE = "provenance.json"
METRICS_FILE = "metrics.json"
FAILURES_DIR = "failures"
CLAIMS_DIR = "claims"
BATCHES_DIR = "batches"
JOURNAL_DIR = "journal"
SESSION_FILE = "session.json"
HEARTBEAT_FILE = "heartbeat.json"  # in a session folder: the launching process is alive as of its time
TABLE_FILE = "runs.parquet"
