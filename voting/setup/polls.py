"""Polls and their settings, what the poll page counts; options: :mod:`.options`."""

from __future__ import annotations

from fractions import Fraction

import sqlalchemy as sa
from flask_babel import gettext as _

from .. import audit, disclosure, rounds
from ..aggregation import METHODS
from ..extensions import db
from ..models import (
    Ballot,
    Event,
    Poll,
    Round,
    RoundStatus,
    Weighting,
    Workshop,
)
from ..tallies import eligible_participants
from . import refuse
from .events import clean_texts, missing_languages

#: Settings of a poll that change how ballots are filled in; frozen while open.
BALLOT_RULES = ("allow_ties", "allow_unranked")
#: Settings that decide a round's result (the tie rule follows the method);
#: frozen once the first round opens, so that a closed round stays final.
TALLY_RULES = ("method", "tie_break", "weighting", "top_k")
POLL_SETTINGS = (
    "method",
    "tie_break",
    "weighting",
    "top_k",
    "allow_ties",
    "allow_unranked",
    "results_visibility",
    "display_theme",
    "secret",
    "publish_every",
    "open_mode",
    "adoption_rule",
    "adoption_threshold",
)
ADOPTION_RULES = ("consensus", "qualified")
#: The projector's colour themes (``Poll.display_theme``).
DISPLAY_THEMES = ("light", "dark")
#: The tie-breaks a poll may declare (``Poll.tie_break``); "none": ties stay
#: ties. Earlier rounds is instant-runoff's rule, and only its.
TIE_BREAKS = ("none", "borda", "earlier_rounds")
EARLIER_ROUNDS_METHODS = ("irv",)
MAX_OPTIONS = 20


def method_choices() -> list[tuple[str, str]]:
    """``(name, label)`` of the aggregation methods, Schulze first."""
    names = sorted(METHODS, key=lambda n: (n != "schulze", list(METHODS).index(n)))
    return [(name, METHODS[name].label) for name in names]


def translation_gaps(poll: Poll) -> dict[int, list[str]]:
    """``{option id: [languages missing a title]}`` for options with gaps."""
    gaps = {}
    for option in poll.options:
        missing = missing_languages(option.title, poll.event)
        if missing:
            gaps[option.id] = missing
    return gaps


def _check_settings(settings: dict) -> dict:
    methods = {name for name, _label in method_choices()}
    if settings["method"] not in methods:
        refuse(_("Unknown aggregation method."))
    if settings["weighting"] not in {w.value for w in Weighting}:
        refuse(_("Unknown weighting."))
    if settings["results_visibility"] not in disclosure.VISIBILITIES:
        refuse(_("Unknown results visibility."))
    if settings.get("display_theme") not in (None, *DISPLAY_THEMES):
        refuse(_("Unknown display theme."))
    tie_break = settings.get("tie_break") or "none"
    if tie_break not in TIE_BREAKS:
        refuse(_("Unknown tie-break."))
    if tie_break == "earlier_rounds" and settings["method"] not in (
        EARLIER_ROUNDS_METHODS
    ):
        refuse(
            _(
                "The earlier-rounds tie-break belongs to instant-runoff: choose "
                "instant-runoff as the method, or another tie-break."
            )
        )
    if not 1 <= int(settings["top_k"]) <= MAX_OPTIONS:
        refuse(
            _(
                "The highest-priority tier holds between 1 and %(n)d options.",
                n=MAX_OPTIONS,
            )
        )
    values = {key: settings.get(key) for key in POLL_SETTINGS}
    if values["display_theme"] is None:
        values["display_theme"] = "light"
    values["tie_break"] = tie_break
    if values["publish_every"] is None:
        values["publish_every"] = disclosure.DEFAULT_BATCH
    if int(values["publish_every"]) < disclosure.MIN_BATCH:
        refuse(
            _(
                "Live results of a secret ballot update every %(n)d ballots or more.",
                n=disclosure.MIN_BATCH,
            )
        )
    if values["adoption_rule"] not in ADOPTION_RULES:
        refuse(_("Unknown adoption rule."))
    values["adoption_threshold"] = adoption_threshold(values["adoption_threshold"])
    return values


def adoption_threshold(value) -> float:
    """A qualified majority between one half and all (0.5–1).

    A rounded simple fraction is read as that fraction (0.6667 → 2/3), so that
    two of three answering units still reach "two thirds".
    """
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = -1.0
    if not 0.5 <= number <= 1:
        refuse(_("The qualified majority must be between 0.5 and 1."))
    fraction = Fraction(number).limit_denominator(12)
    if abs(float(fraction) - number) < 1e-3:
        number = float(fraction)
    return number


def create_poll(
    event: Event,
    workshop: Workshop | None,
    question: dict,
    settings: dict,
    actor: str,
) -> Poll:
    """Create a poll (in a workshop, or a plenary poll) with a draft round 1."""
    if workshop is not None and workshop.event_id != event.id:
        refuse(_("That workshop belongs to another event."))
    question = clean_texts(question, event.language_list)
    if event.default_language not in question:
        refuse(_("The question in the event's first language is required."))
    values = _check_settings(settings)
    position = max((p.position for p in event.polls), default=-1) + 1
    poll = Poll(
        event=event, workshop=workshop, question=question, position=position, **values
    )
    poll.rounds.append(Round(number=1, status=RoundStatus.DRAFT))
    db.session.add(poll)
    db.session.flush()
    audit.record(
        actor,
        "poll_created",
        event.id,
        poll_id=poll.id,
        workshop_id=workshop.id if workshop else None,
    )
    db.session.commit()
    return poll


def has_started(poll: Poll) -> bool:
    """Whether any round of the poll was ever opened."""
    return any(r.status != RoundStatus.DRAFT for r in poll.rounds)


def is_running(poll: Poll) -> bool:
    """Whether a round of the poll is open now."""
    return any(r.status == RoundStatus.OPEN for r in poll.rounds)


def update_poll(poll: Poll, question: dict, settings: dict, actor: str) -> Poll:
    """Change a poll's question and settings (ballot rules frozen while open)."""
    event = poll.event
    question = clean_texts(question, event.language_list)
    if event.default_language not in question:
        refuse(_("The question in the event's first language is required."))
    values = _check_settings(
        {"display_theme": poll.display_theme, "tie_break": poll.tie_break, **settings}
    )
    changed = [key for key, value in values.items() if getattr(poll, key) != value]
    if poll.secret and not values["secret"] and has_started(poll):
        # Ballots were cast under the promise of secrecy: keep it.
        refuse(_("A secret poll stays secret once voting has started."), 409)
    if has_started(poll) and any(key in TALLY_RULES for key in changed):
        refuse(
            _(
                "The method, the tie-break, the weighting and the highest-priority "
                "tier cannot change once the first round has opened: a closed "
                "round is final."
            ),
            409,
        )
    if (
        poll.secret
        and is_running(poll)
        and poll.results_visibility != "live"
        and values["results_visibility"] == "live"
    ):
        # Ballots of the open round were cast while the results were hidden.
        refuse(
            _(
                "The results of a secret poll cannot be made live while a round "
                "is open. Close the round first."
            ),
            409,
        )
    if is_running(poll) and any(key in BALLOT_RULES for key in changed):
        refuse(
            _(
                "Equal ranks and unranked options cannot change while a round is "
                "open. Close the round first."
            ),
            409,
        )
    if poll.options and values["top_k"] > len(poll.options):
        refuse(
            _("The highest-priority tier cannot hold more options than the poll has.")
        )
    for key, value in values.items():
        setattr(poll, key, value)
    poll.question = question
    audit.record(actor, "poll_updated", event.id, poll_id=poll.id, changed=changed)
    db.session.commit()
    return poll


def check_ready(round_: Round) -> None:
    """Refuse to open a round of a poll with fewer than two options."""
    if round_.status == RoundStatus.DRAFT and len(round_.poll.options) < 2:
        refuse(_("Add at least two options before opening the round."), 409)


def run_round_transition(round_: Round, transition, actor: str) -> Round:
    """Apply a :mod:`voting.rounds` transition; a round opens only when ready.

    Raises :class:`UserError` (see :func:`check_ready` and the transition).
    """
    if transition is rounds.open_round:
        check_ready(round_)
    return transition(round_.id, actor)


def round_counts(poll: Poll) -> dict[int, int]:
    """Ballots cast in each round of the poll."""
    rows = db.session.execute(
        sa.select(Ballot.round_id, sa.func.count(Ballot.id))
        .where(Ballot.round_id.in_([r.id for r in poll.rounds]))
        .group_by(Ballot.round_id)
    )
    return dict(rows.all())


def eligible_count(poll: Poll) -> int:
    """How many participants may vote in the poll."""
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(eligible_participants(poll).subquery())
    )
