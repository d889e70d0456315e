"""Bookkeeping of a run: the ledger agents book into, the metrics record summarised
from it, and the printed summary."""
