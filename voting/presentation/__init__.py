"""View models: what a screen or the record shows, built from the services.

Shared by the projector, the console, the delegate's consent page and the
record, so that they cannot differ. Templates render them; nothing here
writes.
"""

from .consent import (
    ConsentView,
    answer_labels,
    build_consent,
    outcome_label,
    poll_proposal,
    proposal_items,
    rule_sentence,
)
from .poll import PlenaryView, PollView, build, build_plenary, format_score

__all__ = [
    "ConsentView",
    "PlenaryView",
    "PollView",
    "answer_labels",
    "build",
    "build_consent",
    "build_plenary",
    "format_score",
    "outcome_label",
    "poll_proposal",
    "proposal_items",
    "rule_sentence",
]
