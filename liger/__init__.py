"""Liger harness: label models, vote extension and partitioned label models over embeddings.

Labels use the internal convention: classes 0..K-1, abstain -1 (see ``liger.labels``).
"""

from liger.method.extension import extend_votes, nearest_voting_neighbours
from liger.labels import ABSTAIN, from_paper, to_paper
from liger.method.liger_cv import LigerCV
from liger.method.liger import Liger
from liger.label_models.dawid_skene import DawidSkene
from liger.label_models.majority import MajorityVote
from liger.label_models.snorkel_peer import SnorkelLabelModel
from liger.label_models.triplet import TripletLabelModel
from liger.method.partition import KMeansPartition

__all__ = [
    "ABSTAIN",
    "DawidSkene",
    "KMeansPartition",
    "Liger",
    "LigerCV",
    "MajorityVote",
    "SnorkelLabelModel",
    "TripletLabelModel",
    "extend_votes",
    "from_paper",
    "nearest_voting_neighbours",
    "to_paper",
]
__version__ = "0.1.0"
