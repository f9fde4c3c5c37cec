"""Liger harness: label models, vote extension and partitioned label models over embeddings.

Labels use the internal convention: classes 0..K-1, abstain -1 (see ``liger.labels``).
"""

from liger.extension import extend_votes, nearest_voting_neighbours
from liger.labels import ABSTAIN, from_paper, to_paper
from liger.liger_cv import LigerCV
from liger.liger_model import Liger
from liger.models.dawid_skene import DawidSkene
from liger.models.majority import MajorityVote
from liger.models.snorkel_peer import SnorkelLabelModel
from liger.models.triplet import TripletLabelModel
from liger.partition import KMeansPartition

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
