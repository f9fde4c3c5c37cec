"""Data audit (``liger-audit``): checks that catch defects in a dataset's splits, texts and LF votes.

One module per kind of check (``splits``, ``lf_consistency``, ``tokens``, ``text_format``,
``duplicates``, ``embeddings``, ``integrity``), each returning a ``CheckResult`` with its numbers and
flags; ``dataset_audit`` runs them all, ``report`` writes the Markdown and JSON, ``cli`` is the entry point.
"""

from liger.audit.dataset_audit import audit_dataset
from liger.audit.result import CheckResult, DatasetAudit, Flag, Table

__all__ = ["audit_dataset", "CheckResult", "DatasetAudit", "Flag", "Table"]
