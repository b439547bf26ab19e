"""Console operations: every mutation of the set-up, with its audit entry.

Views and CLI commands call these functions; each one checks its input,
changes the database, appends an :class:`AuditEntry` naming the actor
(``account:<id>`` or ``cli``) and commits — or raises :class:`ServiceError`
having stored nothing. Round transitions live in :mod:`voting.rounds`.
"""

from __future__ import annotations

import csv
import io
import random
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext

from ..extensions import db
from ..models import (
    Account,
    AuditEntry,
    Ballot,
    Delegation,
    Event,
    Option,
    Participant,
    Poll,
    Proposal,
    Role,
    Round,
    RoundStatus,
    Weighting,
    Workshop,
    workshop_facilitator,
)

#: Settings of a poll that change how ballots are filled in; frozen while open.
BALLOT_RULES = ("allow_ties", "allow_unranked")
POLL_SETTINGS = (
    "method",
    "weighting",
    "top_k",
    "allow_ties",
    "allow_unranked",
    "results_visibility",
    "secret",
    "open_mode",
    "adoption_rule",
    "adoption_threshold",
)
#: Defaults of settings that older callers may leave out.
SETTING_DEFAULTS = {"adoption_rule": "consensus", "adoption_threshold": 2 / 3}
ADOPTION_RULES = ("consensus", "qualified")
MAX_IMPORT_ROWS = 2000
MAX_OPTIONS = 20
FALLBACK_METHODS = (
    "schulze",
    "ranked_pairs",
    "copeland",
    "borda",
    "irv",
    "kemeny",
    "mean_rank",
)


class ServiceError(Exception):
    """Input that cannot be applied; nothing was stored."""

    def __init__(self, message: str, status: int = 400, errors=None):
        super().__init__(message)
        self.message = message
        self.status = status
        #: Per-line messages ``[(line number, message)]`` (CSV import).
        self.errors: list[tuple[int, str]] = list(errors or [])


def actor_of(account: Account | None) -> str:
    """The audit actor string for a staff account (``cli`` without one)."""
    return f"account:{account.id}" if account is not None else "cli"


def audit(actor: str, action: str, event_id: int | None, **details: Any) -> None:
    """Append an audit entry to the current transaction."""
    db.session.add(
        AuditEntry(actor=actor, action=action, event_id=event_id, details=details)
    )


def _fail(message: str, status: int = 400, errors=None):
    db.session.rollback()
    raise ServiceError(message, status, errors)


# --- who may see what ------------------------------------------------------


def method_choices() -> list[tuple[str, str]]:
    """``(name, label)`` of the aggregation methods, Schulze first."""
    try:
        from ..aggregation import METHODS
    except ImportError:  # the engine is optional for the console
        return [(name, name) for name in FALLBACK_METHODS]
    names = sorted(METHODS, key=lambda n: (n != "schulze", list(METHODS).index(n)))
    return [(name, METHODS[name].label) for name in names]


def is_admin(account: Account) -> bool:
    """Whether the account is an administrator."""
    return account.role == Role.ADMIN


def event_of(obj) -> Event:
    """The event an object of the set-up belongs to."""
    if isinstance(obj, Event):
        return obj
    if isinstance(obj, Option | Round | Proposal):
        return obj.poll.event
    return obj.event


def workshop_of(obj) -> Workshop | None:
    """The workshop that governs access to ``obj`` (``None``: event level)."""
    if isinstance(obj, Workshop):
        return obj
    if isinstance(obj, Poll):
        return obj.workshop
    if isinstance(obj, Option | Round | Proposal):
        return obj.poll.workshop
    return None


def facilitated_workshop_ids(account: Account) -> set[int]:
    """Ids of the workshops the account is a facilitator of."""
    return set(
        db.session.scalars(
            sa.select(workshop_facilitator.c.workshop_id).where(
                workshop_facilitator.c.account_id == account.id
            )
        )
    )


def can_manage(account: Account, obj) -> bool:
    """Whether ``account`` may see and change ``obj``.

    Admins manage everything. A facilitator manages the workshops assigned to
    them, their polls and rounds, and the event-level data (event, plenary
    polls, delegations, participants) of events where they run a workshop.
    """
    if not getattr(account, "is_authenticated", False):
        return False
    if is_admin(account):
        return True
    if account.role != Role.FACILITATOR:
        return False
    mine = facilitated_workshop_ids(account)
    workshop = workshop_of(obj)
    if workshop is not None:
        return workshop.id in mine
    return any(w.id in mine for w in event_of(obj).workshops)


def visible_events(account: Account) -> list[Event]:
    """Events the account can manage, newest first."""
    query = sa.select(Event).order_by(Event.created_at.desc(), Event.id.desc())
    if not is_admin(account):
        query = query.where(
            Event.id.in_(
                sa.select(Workshop.event_id).where(
                    Workshop.id.in_(facilitated_workshop_ids(account))
                )
            )
        )
    return list(db.session.scalars(query))


def visible_workshops(account: Account, event: Event) -> list[Workshop]:
    """The event's workshops the account can manage."""
    if is_admin(account):
        return list(event.workshops)
    mine = facilitated_workshop_ids(account)
    return [w for w in event.workshops if w.id in mine]


def visible_polls(account: Account, event: Event) -> list[Poll]:
    """The event's polls (workshop and plenary) the account can manage."""
    return [p for p in event.polls if can_manage(account, p)]


# --- texts per language ----------------------------------------------------


def clean_texts(texts: dict[str, str | None], languages: Iterable[str]) -> dict:
    """Keep the non-empty, stripped texts of the given languages."""
    return {
        lang: (texts.get(lang) or "").strip()
        for lang in languages
        if (texts.get(lang) or "").strip()
    }


def missing_languages(texts: dict | None, event: Event) -> list[str]:
    """The event languages for which ``texts`` has no text."""
    texts = texts or {}
    return [lang for lang in event.language_list if not (texts.get(lang) or "").strip()]


def translation_gaps(poll: Poll) -> dict[int, list[str]]:
    """``{option id: [languages missing a title]}`` for options with gaps."""
    gaps = {}
    for option in poll.options:
        missing = missing_languages(option.title, poll.event)
        if missing:
            gaps[option.id] = missing
    return gaps


def slugify(text: str, max_length: int = 40) -> str:
    """ASCII lower-case words joined by hyphens (``"Formación"`` → ``formacion``)."""
    ascii_text = (
        unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    )
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].strip("-") or "option"


def _unique(base: str, taken: set[str], max_length: int) -> str:
    candidate, n = base[:max_length], 2
    while candidate in taken:
        suffix = f"-{n}"
        candidate = base[: max_length - len(suffix)] + suffix
        n += 1
    return candidate


def parse_languages(value: str) -> str:
    """Validate a comma-separated list of language codes; return it normalised."""
    allowed = current_app.config["LANGUAGES"]
    codes = [c.strip().lower() for c in (value or "").split(",") if c.strip()]
    if not codes:
        _fail(_("Give at least one language."))
    for code in codes:
        if code not in allowed:
            _fail(
                _(
                    "Unknown language %(code)s: use %(allowed)s.",
                    code=code,
                    allowed=", ".join(allowed),
                )
            )
    if len(set(codes)) != len(codes):
        _fail(_("A language is listed twice."))
    return ",".join(codes)


# --- events and workshops --------------------------------------------------


def create_event(account: Account, data: dict) -> Event:
    """Create an event with its first workshop; the creator facilitates it."""
    languages = parse_languages(data["languages"])
    first = languages.split(",")[0]
    name = clean_texts(data["name"], languages.split(","))
    if first not in name:
        _fail(_("The name in the event's first language is required."))
    slug = slugify(data.get("slug") or name[first], 80)
    if db.session.scalar(sa.select(Event.id).filter_by(slug=slug)):
        _fail(_("Another event already uses the short name %(slug)s.", slug=slug))
    event = Event(
        slug=slug,
        name=name,
        languages=languages,
        venue=(data.get("venue") or "").strip(),
        starts_on=data.get("starts_on"),
        ends_on=data.get("ends_on"),
    )
    workshop_name = (data.get("workshop") or "").strip() or _("Workshop 1")
    workshop = Workshop(event=event, name={first: workshop_name}, position=1)
    workshop.facilitators.append(account)
    db.session.add_all([event, workshop])
    db.session.flush()
    actor = actor_of(account)
    audit(actor, "event_created", event.id, slug=slug)
    audit(actor, "workshop_created", event.id, workshop_id=workshop.id)
    db.session.commit()
    return event


def update_event(event: Event, data: dict, actor: str) -> Event:
    """Change an event's names, languages, venue and dates."""
    languages = parse_languages(data["languages"])
    first = languages.split(",")[0]
    name = clean_texts(data["name"], languages.split(","))
    if first not in name:
        _fail(_("The name in the event's first language is required."))
    if data.get("starts_on") and data.get("ends_on"):
        if data["ends_on"] < data["starts_on"]:
            _fail(_("The event cannot end before it starts."))
    event.name = name
    event.languages = languages
    event.venue = (data.get("venue") or "").strip()
    event.starts_on = data.get("starts_on")
    event.ends_on = data.get("ends_on")
    audit(actor, "event_updated", event.id)
    db.session.commit()
    return event


def create_workshop(event: Event, name: dict, account: Account) -> Workshop:
    """Add a workshop to an event; its creator becomes its facilitator."""
    name = clean_texts(name, event.language_list)
    if event.default_language not in name:
        _fail(_("The name in the event's first language is required."))
    position = max((w.position for w in event.workshops), default=0) + 1
    workshop = Workshop(event=event, name=name, position=position)
    workshop.facilitators.append(account)
    db.session.add(workshop)
    db.session.flush()
    audit(actor_of(account), "workshop_created", event.id, workshop_id=workshop.id)
    db.session.commit()
    return workshop


def update_workshop(
    workshop: Workshop,
    name: dict,
    actor: str,
    facilitator_ids: list[int] | None = None,
) -> Workshop:
    """Rename a workshop and (admins) set its facilitators."""
    event = workshop.event
    name = clean_texts(name, event.language_list)
    if event.default_language not in name:
        _fail(_("The name in the event's first language is required."))
    workshop.name = name
    details: dict[str, Any] = {"workshop_id": workshop.id}
    if facilitator_ids is not None:
        accounts = list(
            db.session.scalars(
                sa.select(Account).where(
                    Account.id.in_(facilitator_ids),
                    Account.role.in_([Role.FACILITATOR, Role.ADMIN]),
                )
            )
        )
        if len(accounts) != len(set(facilitator_ids)):
            _fail(_("Only facilitators and admins can run a workshop."))
        workshop.facilitators = accounts
        details["facilitators"] = sorted(a.id for a in accounts)
    audit(actor, "workshop_updated", event.id, **details)
    db.session.commit()
    return workshop


def facilitator_choices() -> list[tuple[int, str]]:
    """Staff who can be assigned to a workshop: ``(id, "Name <e-mail>")``."""
    accounts = db.session.scalars(
        sa.select(Account)
        .where(Account.role.in_([Role.FACILITATOR, Role.ADMIN]))
        .order_by(Account.name)
    )
    return [(a.id, f"{a.name} <{a.email}>") for a in accounts]


# --- polls and options -----------------------------------------------------


def _check_settings(settings: dict) -> dict:
    methods = {name for name, _label in method_choices()}
    if settings["method"] not in methods:
        _fail(_("Unknown aggregation method."))
    if settings["weighting"] not in {w.value for w in Weighting}:
        _fail(_("Unknown weighting."))
    if settings["results_visibility"] not in ("live", "hidden"):
        _fail(_("Unknown results visibility."))
    if not 1 <= int(settings["top_k"]) <= MAX_OPTIONS:
        _fail(
            _(
                "The highest-priority tier holds between 1 and %(n)d options.",
                n=MAX_OPTIONS,
            )
        )
    values = {
        key: settings.get(key, SETTING_DEFAULTS.get(key)) for key in POLL_SETTINGS
    }
    if values["adoption_rule"] not in ADOPTION_RULES:
        _fail(_("Unknown adoption rule."))
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
        _fail(_("The qualified majority must be between 0.5 and 1."))
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
        _fail(_("That workshop belongs to another event."))
    question = clean_texts(question, event.language_list)
    if event.default_language not in question:
        _fail(_("The question in the event's first language is required."))
    values = _check_settings(settings)
    position = max((p.position for p in event.polls), default=-1) + 1
    poll = Poll(
        event=event, workshop=workshop, question=question, position=position, **values
    )
    poll.rounds.append(Round(number=1, status=RoundStatus.DRAFT))
    db.session.add(poll)
    db.session.flush()
    audit(
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
        _fail(_("The question in the event's first language is required."))
    values = _check_settings(settings)
    changed = [key for key, value in values.items() if getattr(poll, key) != value]
    if poll.secret and not values["secret"] and has_started(poll):
        # Ballots were cast under the promise of secrecy: keep it.
        _fail(_("A secret poll stays secret once voting has started."), 409)
    if is_running(poll) and any(key in BALLOT_RULES for key in changed):
        _fail(
            _(
                "Equal ranks and unranked options cannot change while a round is "
                "open. Close the round first."
            ),
            409,
        )
    if poll.options and values["top_k"] > len(poll.options):
        _fail(
            _("The highest-priority tier cannot hold more options than the poll has.")
        )
    for key, value in values.items():
        setattr(poll, key, value)
    poll.question = question
    audit(actor, "poll_updated", event.id, poll_id=poll.id, changed=changed)
    db.session.commit()
    return poll


def check_ready(round_: Round) -> None:
    """Refuse to open a round of a poll with fewer than two options."""
    if round_.status == RoundStatus.DRAFT and len(round_.poll.options) < 2:
        _fail(_("Add at least two options before opening the round."), 409)


def _check_options_editable(poll: Poll) -> None:
    if has_started(poll):
        _fail(
            _(
                "Options can be added or removed only before the first round "
                "opens: ballots refer to them."
            ),
            409,
        )


def add_option(
    poll: Poll, title: dict, description: dict, actor: str, key: str = ""
) -> Option:
    """Add one option to a poll that has not started."""
    _check_options_editable(poll)
    event = poll.event
    title = clean_texts(title, event.language_list)
    if not title:
        _fail(_("An option needs a title."))
    if len(poll.options) >= MAX_OPTIONS:
        _fail(_("A poll has at most %(n)d options.", n=MAX_OPTIONS))
    taken = {o.key for o in poll.options}
    key = (
        slugify(key, 60)
        if key.strip()
        else _unique(
            slugify(title.get(event.default_language) or next(iter(title.values()))),
            taken,
            60,
        )
    )
    if key in taken:
        _fail(_("Another option of this poll uses the key %(key)s.", key=key))
    option = Option(
        poll=poll,
        key=key,
        title=title,
        description=clean_texts(description, event.language_list),
        position=max((o.position for o in poll.options), default=-1) + 1,
    )
    db.session.add(option)
    db.session.flush()
    audit(
        actor, "option_added", event.id, poll_id=poll.id, option_id=option.id, key=key
    )
    db.session.commit()
    return option


def update_option(option: Option, title: dict, description: dict, actor: str) -> Option:
    """Change an option's texts (allowed at any time: ballots hold ids)."""
    event = option.poll.event
    title = clean_texts(title, event.language_list)
    if not title:
        _fail(_("An option needs a title."))
    option.title = title
    option.description = clean_texts(description, event.language_list)
    audit(
        actor, "option_updated", event.id, poll_id=option.poll_id, option_id=option.id
    )
    db.session.commit()
    return option


def delete_option(option: Option, actor: str) -> None:
    """Remove an option from a poll that has not started."""
    poll = option.poll
    _check_options_editable(poll)
    audit(
        actor,
        "option_deleted",
        poll.event_id,
        poll_id=poll.id,
        option_id=option.id,
        key=option.key,
    )
    poll.options.remove(option)
    db.session.commit()


def move_option(option: Option, step: int, actor: str) -> None:
    """Move an option one place up (-1) or down (+1) in the poll's order."""
    options = list(option.poll.options)
    index = options.index(option)
    target = index + step
    if not 0 <= target < len(options):
        return
    options[index], options[target] = options[target], options[index]
    for position, each in enumerate(options):
        each.position = position
    audit(
        actor,
        "option_moved",
        option.poll.event_id,
        poll_id=option.poll_id,
        option_id=option.id,
        position=target,
    )
    db.session.commit()


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def bulk_options(
    poll: Poll, pasted: dict[str, str], mode: str, actor: str
) -> list[Option]:
    """Paste options one per line per language: line n of each list is option n.

    ``mode`` "append" adds new options (before the first round only);
    "translate" fills the titles of the existing options, in their order.
    """
    event = poll.event
    lists = {lang: _lines(pasted.get(lang)) for lang in event.language_list}
    lists = {lang: lines for lang, lines in lists.items() if lines}
    if not lists:
        _fail(_("Paste at least one line."))
    counts = {len(lines) for lines in lists.values()}
    if len(counts) > 1:
        detail = ", ".join(f"{lang}: {len(lines)}" for lang, lines in lists.items())
        _fail(
            _(
                "Every language needs the same number of lines (%(detail)s).",
                detail=detail,
            )
        )
    count = counts.pop()
    for lines in lists.values():
        if any(len(line) > 300 for line in lines):
            _fail(_("A line is longer than 300 characters."))
    if mode == "translate":
        if count != len(poll.options):
            _fail(
                ngettext(
                    "The poll has %(num)d option but %(m)d lines were pasted.",
                    "The poll has %(num)d options but %(m)d lines were pasted.",
                    len(poll.options),
                    m=count,
                )
            )
        for i, option in enumerate(poll.options):
            option.title = {**option.title, **{code: v[i] for code, v in lists.items()}}
        audit(
            actor,
            "options_translated",
            event.id,
            poll_id=poll.id,
            languages=sorted(lists),
        )
        db.session.commit()
        return list(poll.options)
    if mode != "append":
        _fail(_("Unknown paste mode."))
    _check_options_editable(poll)
    if len(poll.options) + count > MAX_OPTIONS:
        _fail(_("A poll has at most %(n)d options.", n=MAX_OPTIONS))
    taken = {o.key for o in poll.options}
    position = max((o.position for o in poll.options), default=-1) + 1
    created = []
    for i in range(count):
        title = {lang: lines[i] for lang, lines in lists.items()}
        first = title.get(event.default_language) or next(iter(title.values()))
        key = _unique(slugify(first), taken, 60)
        taken.add(key)
        option = Option(
            poll=poll, key=key, title=title, description={}, position=position + i
        )
        db.session.add(option)
        created.append(option)
    db.session.flush()
    audit(
        actor,
        "options_pasted",
        event.id,
        poll_id=poll.id,
        option_ids=[o.id for o in created],
    )
    db.session.commit()
    return created


# --- delegations and participants -----------------------------------------


def _delegation_code(name: str, taken: set[str]) -> str:
    base = slugify(name, 12).replace("-", "").upper()[:12] or "DEL"
    return _unique(base, taken, 12)


def create_delegation(event: Event, code: str, name: str, actor: str) -> Delegation:
    """Add a delegation (country or institution) to an event."""
    code, name = code.strip().upper(), name.strip()
    if not name:
        _fail(_("A delegation needs a name."))
    taken = {d.code for d in event.delegations}
    code = code or _delegation_code(name, taken)
    if code in taken:
        _fail(_("Another delegation already uses the code %(code)s.", code=code))
    delegation = Delegation(event=event, code=code, name=name)
    db.session.add(delegation)
    db.session.flush()
    audit(actor, "delegation_created", event.id, delegation_id=delegation.id, code=code)
    db.session.commit()
    return delegation


def update_delegation(
    delegation: Delegation, code: str, name: str, actor: str
) -> Delegation:
    """Rename a delegation or change its code."""
    code, name = code.strip().upper(), name.strip()
    if not code or not name:
        _fail(_("A delegation needs a code and a name."))
    clash = db.session.scalar(
        sa.select(Delegation.id).where(
            Delegation.event_id == delegation.event_id,
            Delegation.code == code,
            Delegation.id != delegation.id,
        )
    )
    if clash:
        _fail(_("Another delegation already uses the code %(code)s.", code=code))
    delegation.code, delegation.name = code, name
    audit(actor, "delegation_updated", delegation.event_id, delegation_id=delegation.id)
    db.session.commit()
    return delegation


def delete_delegation(delegation: Delegation, actor: str) -> None:
    """Remove a delegation that has no participants."""
    if delegation.participants:
        _fail(_("This delegation still has participants."), 409)
    audit(
        actor,
        "delegation_deleted",
        delegation.event_id,
        delegation_id=delegation.id,
        code=delegation.code,
    )
    db.session.delete(delegation)
    db.session.commit()


def _check_email(value: str | None) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        return _fail(_("The e-mail address %(email)s is not valid.", email=value))


def _check_language(value: str | None) -> str | None:
    value = (value or "").strip().lower()
    if not value:
        return None
    if value not in current_app.config["LANGUAGES"]:
        _fail(
            _(
                "Unknown language %(code)s: use %(allowed)s.",
                code=value,
                allowed=", ".join(current_app.config["LANGUAGES"]),
            )
        )
    return value


def _check_belongs(event: Event, delegation, workshop) -> None:
    if delegation is not None and delegation.event_id != event.id:
        _fail(_("That delegation belongs to another event."))
    if workshop is not None and workshop.event_id != event.id:
        _fail(_("That workshop belongs to another event."))


def create_participant(event: Event, data: dict, actor: str) -> Participant:
    """Register one participant (no personal link yet: see the badge sheet)."""
    name = (data.get("name") or "").strip()
    if not name:
        _fail(_("A participant needs a name."))
    delegation, workshop = data.get("delegation"), data.get("workshop")
    _check_belongs(event, delegation, workshop)
    participant = Participant(
        event=event,
        name=name,
        delegation=delegation,
        workshop_id=workshop.id if workshop else None,
        email=_check_email(data.get("email")),
        language=_check_language(data.get("language")),
    )
    db.session.add(participant)
    db.session.flush()
    audit(actor, "participant_created", event.id, participant_id=participant.id)
    db.session.commit()
    return participant


def update_participant(participant: Participant, data: dict, actor: str) -> Participant:
    """Change a participant's name, delegation, workshop, e-mail or language."""
    event = participant.event
    name = (data.get("name") or "").strip()
    if not name:
        _fail(_("A participant needs a name."))
    delegation, workshop = data.get("delegation"), data.get("workshop")
    _check_belongs(event, delegation, workshop)
    participant.name = name
    participant.delegation = delegation
    participant.workshop_id = workshop.id if workshop else None
    participant.email = _check_email(data.get("email"))
    participant.language = _check_language(data.get("language"))
    audit(actor, "participant_updated", event.id, participant_id=participant.id)
    db.session.commit()
    return participant


def ballot_count(participant: Participant) -> int:
    """How many ballots the participant has cast, in any round."""
    return db.session.scalar(
        sa.select(sa.func.count(Ballot.id)).filter_by(participant_id=participant.id)
    )


def delete_participant(participant: Participant, actor: str) -> None:
    """Remove a participant who has cast no ballot."""
    if ballot_count(participant):
        _fail(_("This participant has cast ballots and cannot be removed."), 409)
    audit(
        actor,
        "participant_deleted",
        participant.event_id,
        participant_id=participant.id,
    )
    db.session.delete(participant)
    db.session.commit()


# --- CSV import ------------------------------------------------------------

HEADER_WORDS = {"name", "nombre", "nom", "nome"}


@dataclass
class ImportReport:
    participants: list[Participant] = field(default_factory=list)
    new_delegations: list[Delegation] = field(default_factory=list)


def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252 as Excel writes it."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            return _fail(_("The file is not a text CSV file (UTF-8 expected)."))


def _rows(text: str) -> list[tuple[int, list[str]]]:
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    if "\t" in sample and sample.count("\t") > sample.count(delimiter):
        delimiter = "\t"
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows = []
    try:
        for row in reader:
            cells = [cell.strip() for cell in row]
            if any(cells):
                rows.append((reader.line_num, cells))
    except csv.Error as error:
        _fail(
            _(
                "The file could not be read as CSV (line %(line)d).",
                line=reader.line_num,
            ),
            errors=[(reader.line_num, str(error))],
        )
    if rows and rows[0][1][0].lower() in HEADER_WORDS:
        rows = rows[1:]
    return rows


def import_participants(
    event: Event, text: str, actor: str, workshop: Workshop | None = None
) -> ImportReport:
    """Import ``name, delegation[, e-mail[, language]]`` lines, all or nothing.

    The delegation is matched by code or name (case-insensitive); an unknown
    one is created. Any bad line aborts the import and every line's error is
    reported as ``(line number, message)``.
    """
    _check_belongs(event, None, workshop)
    rows = _rows(text)
    if not rows:
        _fail(_("The file has no participants."))
    if len(rows) > MAX_IMPORT_ROWS:
        _fail(_("At most %(n)d lines can be imported at once.", n=MAX_IMPORT_ROWS))
    languages = current_app.config["LANGUAGES"]
    by_key: dict[str, Delegation] = {}
    for delegation in event.delegations:
        by_key[delegation.code.casefold()] = delegation
        by_key.setdefault(delegation.name.casefold(), delegation)
    existing = {(p.name.casefold(), p.delegation_id) for p in event.participants}
    taken_codes = {d.code for d in event.delegations}
    errors: list[tuple[int, str]] = []
    report = ImportReport()
    seen: set[tuple[str, str]] = set()
    for line, cells in rows:
        if len(cells) < 2 or len(cells) > 4:
            errors.append(
                (
                    line,
                    _("Expected 2 to 4 columns: name, delegation, e-mail, language."),
                )
            )
            continue
        name, delegation_name = cells[0], cells[1]
        email = cells[2] if len(cells) > 2 else ""
        language = (cells[3] if len(cells) > 3 else "").lower()
        if not name:
            errors.append((line, _("The name is missing.")))
            continue
        if len(name) > 200 or len(delegation_name) > 120:
            errors.append((line, _("A value is too long.")))
            continue
        if not delegation_name:
            errors.append((line, _("The delegation is missing.")))
            continue
        if email:
            try:
                email = validate_email(email, check_deliverability=False).normalized
            except EmailNotValidError:
                errors.append(
                    (line, _("The e-mail address %(email)s is not valid.", email=email))
                )
                continue
        if language and language not in languages:
            errors.append(
                (
                    line,
                    _(
                        "Unknown language %(code)s: use %(allowed)s.",
                        code=language,
                        allowed=", ".join(languages),
                    ),
                )
            )
            continue
        key = (name.casefold(), delegation_name.casefold())
        if key in seen:
            errors.append((line, _("%(name)s appears twice in the file.", name=name)))
            continue
        seen.add(key)
        delegation = by_key.get(delegation_name.casefold())
        if delegation is None:
            delegation = Delegation(
                event=event,
                name=delegation_name,
                code=_delegation_code(delegation_name, taken_codes),
            )
            taken_codes.add(delegation.code)
            by_key[delegation_name.casefold()] = delegation
            report.new_delegations.append(delegation)
        elif (name.casefold(), delegation.id) in existing:
            errors.append((line, _("%(name)s is already registered.", name=name)))
            continue
        report.participants.append(
            Participant(
                event=event,
                name=name,
                delegation=delegation,
                workshop_id=workshop.id if workshop else None,
                email=email or None,
                language=language or None,
            )
        )
    if errors:
        _fail(
            ngettext(
                "Nothing was imported: %(num)d line has an error.",
                "Nothing was imported: %(num)d lines have errors.",
                len(errors),
            ),
            errors=errors,
        )
    db.session.add_all([*report.new_delegations, *report.participants])
    db.session.flush()
    audit(
        actor,
        "participants_imported",
        event.id,
        participant_ids=[p.id for p in report.participants],
        delegation_ids=[d.id for d in report.new_delegations],
    )
    db.session.commit()
    return report


# --- badges ----------------------------------------------------------------


@dataclass
class Badge:
    name: str
    delegation: str
    url: str
    svg: str


def personal_link(token: str) -> str:
    """The delegate's join link printed on the badge and in its QR."""
    return current_app.config["PUBLIC_URL"].rstrip("/") + "/j/" + token


def issue_badges(
    event: Event, participant_ids: Iterable[int], actor: str
) -> list[Badge]:
    """Give each selected participant a new personal link and return their badges.

    Issuing reissues the tokens: links printed before stop working.
    """
    import segno

    ids = {int(i) for i in participant_ids or ()}
    if not ids:
        _fail(_("Select at least one participant."))
    participants = list(
        db.session.scalars(
            sa.select(Participant)
            .where(Participant.event_id == event.id, Participant.id.in_(ids))
            .order_by(Participant.name)
        )
    )
    if len(participants) != len(ids):
        _fail(_("Some selected participants are not part of this event."))
    participants.sort(
        key=lambda p: (
            p.delegation.name.casefold() if p.delegation else "",
            p.name.casefold(),
        )
    )
    badges = []
    for participant in participants:
        url = personal_link(participant.issue_token())
        qr = segno.make(url, error="m")
        badges.append(
            Badge(
                name=participant.name,
                delegation=participant.delegation.name
                if participant.delegation
                else "",
                url=url,
                svg=qr.svg_inline(scale=4, border=2, omitsize=True),
            )
        )
    audit(
        actor,
        "badges_issued",
        event.id,
        participant_ids=sorted(p.id for p in participants),
    )
    db.session.commit()
    return badges


FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
FONT_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"


def badges_pdf(badges: list[Badge], title: str, note: str) -> bytes:
    """An A4 PDF of badges, 2 × 4 per page, with a Unicode font and the QRs."""
    import os

    import segno
    from fpdf import FPDF

    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(False)
    pdf.set_title(title)
    pdf.add_font("DejaVu", "", FONT)
    pdf.add_font("DejaVu", "B", FONT_BOLD if os.path.exists(FONT_BOLD) else FONT)
    width, height, margin_x, margin_y = 95.0, 66.0, 10.0, 14.0
    text_width = width - 52
    for index, badge in enumerate(badges):
        slot = index % 8
        if slot == 0:
            pdf.add_page()
            pdf.set_font("DejaVu", "", 7)
            pdf.set_xy(margin_x, 5)
            pdf.cell(190, 5, note)
        x = margin_x + (slot % 2) * width
        y = margin_y + (slot // 2) * height
        pdf.set_draw_color(180, 180, 180)
        pdf.rect(x, y, width - 2, height - 2)
        # Long names get a smaller size so that they stay above the link.
        size = 14 if len(badge.name) <= 32 else 10
        pdf.set_xy(x + 4, y + 5)
        pdf.set_font("DejaVu", "B", size)
        pdf.multi_cell(text_width, size / 2, badge.name, align="L")
        pdf.set_xy(x + 4, pdf.get_y() + 2)
        pdf.set_font("DejaVu", "", 11)
        pdf.multi_cell(text_width, 5.5, badge.delegation, align="L")
        pdf.set_xy(x + 4, pdf.get_y() + 3)
        pdf.set_font("DejaVu", "", 7)
        pdf.multi_cell(text_width, 3.5, title, align="L")
        png = io.BytesIO()
        segno.make(badge.url, error="m").save(png, kind="png", scale=8, border=2)
        png.seek(0)
        pdf.image(png, x=x + width - 46, y=y + 5, w=40, h=40)
        pdf.set_font("DejaVu", "", 6)
        pdf.set_xy(x + 4, y + height - 12)
        pdf.multi_cell(width - 10, 3, badge.url, align="L")
    return bytes(pdf.output())


# --- simulated ballots -----------------------------------------------------


#: Mallows dispersion of a delegation's order around the shared reference and
#: of a delegate's around their delegation's: about half the simulated ballots
#: put the reference's favourite first (uniform ballots would: 1 / options).
DELEGATION_DRIFT = 0.3
DELEGATE_NOISE = 0.4
#: Factor on both dispersions in a round after the first (agreement grows).
CONVERGENCE = 0.6


def _previous_mean_order(round_: Round, option_ids: list[int]) -> list[int] | None:
    """Options by mean rank in the poll's previous round (unranked: last)."""
    earlier = [r for r in round_.poll.rounds if r.number < round_.number]
    if not earlier:
        return None
    rankings = db.session.scalars(
        sa.select(Ballot.ranking).filter_by(round_id=earlier[-1].id)
    ).all()
    if not rankings:
        return None
    total = dict.fromkeys(option_ids, 0.0)
    for ranking in rankings:
        place = 0
        for tier in ranking:
            for option in tier:
                total[option] = total.get(option, 0.0) + place + (len(tier) - 1) / 2
            place += len(tier)
        for option in set(option_ids) - {o for tier in ranking for o in tier}:
            total[option] += len(option_ids)
    return sorted(option_ids, key=lambda option: (total[option], option))


@dataclass
class Simulation:
    cast: int
    eligible: int
    revised: int
    reference: list[str]


def _mallows(reference: list, phi: float, rng: random.Random) -> list:
    """A Mallows sample around ``reference`` by the repeated insertion model.

    Item ``i`` goes to position ``j ≤ i`` with probability ∝ ``phi ** (i - j)``:
    ``phi = 0`` returns the reference, ``phi = 1`` a uniform permutation.
    """
    result: list = []
    for i, item in enumerate(reference):
        weights = [phi ** (i - j) for j in range(i + 1)]
        result.insert(rng.choices(range(i + 1), weights)[0], item)
    return result


def simulate_votes(
    round_: Round, n: int, actor: str, seed: int | None = None, force: bool = False
) -> Simulation:
    """Cast ``n`` plausible ballots through :func:`ballots.cast` for rehearsals.

    Shared reference order of the options; each delegation drifts from it
    (Mallows, φ = 0.3) and each delegate from their delegation (φ = 0.4);
    when the poll allows it some ballots tie neighbours or leave the tail
    unranked. A later round starts from the previous round's mean ranks with
    less noise, as after a discussion that converged. Refuses a round that
    already has ballots unless ``force``.
    """
    from .. import ballots

    if n < 1:
        _fail(_("The number of ballots must be at least 1."))
    if round_.status != RoundStatus.OPEN:
        _fail(_("Ballots can be simulated only in an open round."), 409)
    poll = round_.poll
    if len(poll.options) < 2:
        _fail(_("The poll needs at least two options."), 409)
    existing = db.session.scalar(
        sa.select(sa.func.count(Ballot.id)).filter_by(round_id=round_.id)
    )
    if existing and not force:
        _fail(
            ngettext(
                "This round already has %(num)d ballot; use --force to add "
                "simulated ones anyway.",
                "This round already has %(num)d ballots; use --force to add "
                "simulated ones anyway.",
                existing,
            ),
            409,
        )
    from ..tallies import eligible_participants

    people = list(
        db.session.scalars(eligible_participants(poll).order_by(Participant.id))
    )
    if not people:
        _fail(_("No participant can vote in this round."), 409)
    rng = random.Random(seed)
    chosen = rng.sample(people, min(n, len(people)))
    voted = set(
        db.session.scalars(
            sa.select(Ballot.participant_id).filter_by(round_id=round_.id)
        )
    )
    option_ids = [o.id for o in poll.options]
    reference = rng.sample(option_ids, len(option_ids))
    previous = _previous_mean_order(round_, option_ids)
    calm = 1.0
    if previous:
        reference, calm = previous, CONVERGENCE
    drift: dict[Any, list[int]] = {}
    cast = revised = 0
    for person in chosen:
        group = person.delegation_id or f"p{person.id}"
        if group not in drift:
            drift[group] = _mallows(reference, DELEGATION_DRIFT * calm, rng)
        order = _mallows(drift[group], DELEGATE_NOISE * calm, rng)
        tiers = [[option] for option in order]
        if poll.allow_ties and len(tiers) > 2 and rng.random() < 0.25:
            i = rng.randrange(len(tiers) - 1)
            tiers[i : i + 2] = [sorted(tiers[i] + tiers[i + 1])]
        if poll.allow_unranked and len(tiers) > 3 and rng.random() < 0.3:
            tiers = tiers[: rng.randint(2, len(tiers) - 1)]
        ballots.cast(person, round_.id, tiers)
        cast += 1
        revised += person.id in voted
    keys = {o.id: o.key for o in poll.options}
    db.session.add(
        AuditEntry(
            actor=actor,
            action="ballots_simulated",
            event_id=poll.event_id,
            round_id=round_.id,
            details={"n": cast, "seed": seed, "force": force},
        )
    )
    db.session.commit()
    return Simulation(
        cast=cast,
        eligible=len(people),
        revised=revised,
        reference=[keys[o] for o in reference],
    )
