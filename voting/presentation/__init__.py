"""View models: what a screen or the record shows, built from the services.

Shared by the projector, the console, the delegate's consent page and the
record, so that they cannot differ. Templates render them; nothing here
writes.
"""

from .consent import (
    ConsentView,
    answer_labels,
    build_consent,
    objectors,
    outcome_label,
    outcome_text,
    poll_proposal,
    proposal_items,
    reservations_sentence,
    rule_sentence,
)
from .labels import method_label, score_label, tie_rule, weighting_label
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
    "method_label",
    "objectors",
    "outcome_label",
    "outcome_text",
    "poll_proposal",
    "proposal_items",
    "reservations_sentence",
    "rule_sentence",
    "score_label",
    "tie_rule",
    "weighting_label",
]
