"""The poll settings form of the console (question, method, declared
tie-break, weighting, tiers, projector, secrecy, adoption)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SelectField, SubmitField
from wtforms.validators import DataRequired, NumberRange

from ..disclosure import DEFAULT_BATCH, MIN_BATCH
from ..models import Weighting
from .forms import EditForm, add_translated, radio
from .threshold import ThresholdField

VISIBILITY_CHOICES = [
    ("live", _l("Live: the projector shows results while the round is open")),
    ("hidden", _l("Hidden until the round closes (avoids bandwagon effects)")),
    (
        "console",
        _l("Console only: the projector shows turnout, never the ranking"),
    ),
]
THEME_CHOICES = [
    ("light", _l("Light")),
    ("dark", _l("Dark, high contrast (for dim rooms)")),
]
WEIGHTING_CHOICES = [
    (Weighting.DELEGATE.value, _l("Per delegate: every ballot weighs 1")),
    (
        Weighting.DELEGATION.value,
        _l("Per delegation: a delegation's ballots share one vote"),
    ),
    (
        Weighting.NATIONAL.value,
        _l("National ballot: one combined ballot per delegation"),
    ),
]

TIE_BREAK_CHOICES = [
    ("none", _l("None: tied options stay tied and share a place")),
    (
        "borda",
        _l("Borda score, then a draw with a public seed (any method)"),
    ),
    (
        "earlier_rounds",
        _l(
            "Earlier rounds (instant-runoff only): a tie for elimination goes "
            "to the option with fewer votes in the latest earlier round where "
            "the counts differ"
        ),
    ),
]

ADOPTION_CHOICES = [
    ("consensus", _l("Consensus: adopted if nobody objects")),
    (
        "qualified",
        _l(
            "Qualified majority: adopted if enough of those who answer agree or "
            "can live with it (objections are recorded as reservations)"
        ),
    ),
]


class PollForm(EditForm):
    workshop = SelectField(_l("Workshop"), coerce=int, choices=[])
    method = SelectField(_l("Aggregation method"), choices=[], default="schulze")
    tie_break = radio(
        _l("Declared tie-break"),
        TIE_BREAK_CHOICES,
        "none",
        description=_l(
            "Applied only if the meeting's rules declare it; the result and the "
            "record name it. It cannot change once the first round has opened."
        ),
    )
    weighting = radio(_l("Weighting"), WEIGHTING_CHOICES, Weighting.DELEGATE.value)
    top_k = IntegerField(
        _l("Highest priority: how many options"),
        default=2,
        description=_l(
            'The top options form "highest priority", the rest "high priority".'
        ),
        validators=[DataRequired(), NumberRange(min=1, max=20)],
    )
    allow_ties = BooleanField(_l("Allow equal ranks"))
    allow_unranked = BooleanField(_l("Allow leaving options unranked"), default=True)
    # A secret poll shows its results at close unless the room chooses live
    # results in batches (publish_every).
    results_visibility = radio(
        _l("Results on the projector"), VISIBILITY_CHOICES, "hidden"
    )
    display_theme = radio(_l("Projector colours"), THEME_CHOICES, "light")
    secret = BooleanField(
        _l("Secret ballot (no page or export links a ballot to a person)"),
        default=True,
    )
    publish_every = IntegerField(
        _l("Secret ballot: live results update every … ballots"),
        default=DEFAULT_BATCH,
        description=_l(
            "While a secret round is open, the projector's tally and turnout "
            "change only after this many new or changed ballots (at least 3), "
            "so that no change on the screen can be pinned on one delegate."
        ),
        validators=[
            DataRequired(),
            NumberRange(min=MIN_BATCH, max=1000),
        ],
    )
    open_mode = BooleanField(_l("Open: delegates may join with the event code"))
    adoption_rule = radio(
        _l("Adoption of the priority list"), ADOPTION_CHOICES, "consensus"
    )
    adoption_threshold = ThresholdField(
        _l("Qualified majority"),
        description=_l(
            "Share of the answering delegates (or delegations) that must agree or "
            "can live with it."
        ),
    )
    submit = SubmitField(_l("Save"))

    def settings(self) -> dict:
        """The poll settings as a dict for :func:`voting.setup.polls.update_poll`."""
        return {
            "method": self.method.data,
            "tie_break": self.tie_break.data,
            "weighting": self.weighting.data,
            "top_k": self.top_k.data,
            "allow_ties": self.allow_ties.data,
            "allow_unranked": self.allow_unranked.data,
            "results_visibility": self.results_visibility.data,
            "display_theme": self.display_theme.data,
            "secret": self.secret.data,
            "publish_every": self.publish_every.data,
            "open_mode": self.open_mode.data,
            "adoption_rule": self.adoption_rule.data,
            "adoption_threshold": self.adoption_threshold.number,
        }


add_translated(PollForm, "question", _l("Question"), 300)
