"""Events and workshops, and the per-language texts and short names they use."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from .. import audit
from ..extensions import db
from ..models import Account, AuditEntry, Event, Role, Workshop
from . import refuse

#: How many entries the audit log page shows.
AUDIT_LOG_LIMIT = 500


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


def slugify(text: str, max_length: int = 40) -> str:
    """ASCII lower-case words joined by hyphens (``"Formación"`` → ``formacion``)."""
    ascii_text = (
        unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    )
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].strip("-") or "option"


def unique_slug(base: str, taken: set[str], max_length: int) -> str:
    """``base`` (cut to ``max_length``), with ``-2``, ``-3``… until not ``taken``."""
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
        refuse(_("Give at least one language."))
    for code in codes:
        if code not in allowed:
            refuse(
                _(
                    "Unknown language %(code)s: use %(allowed)s.",
                    code=code,
                    allowed=", ".join(allowed),
                )
            )
    if len(set(codes)) != len(codes):
        refuse(_("A language is listed twice."))
    return ",".join(codes)


def create_event(account: Account, data: dict) -> Event:
    """Create an event with its first workshop; the creator facilitates it."""
    languages = parse_languages(data["languages"])
    first = languages.split(",")[0]
    name = clean_texts(data["name"], languages.split(","))
    if first not in name:
        refuse(_("The name in the event's first language is required."))
    slug = slugify(data.get("slug") or name[first], 80)
    if db.session.scalar(sa.select(Event.id).filter_by(slug=slug)):
        refuse(_("Another event already uses the short name %(slug)s.", slug=slug))
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
    actor = audit.staff(account)
    audit.record(actor, "event_created", event.id, slug=slug)
    audit.record(actor, "workshop_created", event.id, workshop_id=workshop.id)
    db.session.commit()
    return event


def update_event(event: Event, data: dict, actor: str) -> Event:
    """Change an event's names, languages, venue and dates."""
    languages = parse_languages(data["languages"])
    first = languages.split(",")[0]
    name = clean_texts(data["name"], languages.split(","))
    if first not in name:
        refuse(_("The name in the event's first language is required."))
    if data.get("starts_on") and data.get("ends_on"):
        if data["ends_on"] < data["starts_on"]:
            refuse(_("The event cannot end before it starts."))
    event.name = name
    event.languages = languages
    event.venue = (data.get("venue") or "").strip()
    event.starts_on = data.get("starts_on")
    event.ends_on = data.get("ends_on")
    audit.record(actor, "event_updated", event.id)
    db.session.commit()
    return event


def create_workshop(event: Event, name: dict, account: Account) -> Workshop:
    """Add a workshop to an event; its creator becomes its facilitator."""
    name = clean_texts(name, event.language_list)
    if event.default_language not in name:
        refuse(_("The name in the event's first language is required."))
    position = max((w.position for w in event.workshops), default=0) + 1
    workshop = Workshop(event=event, name=name, position=position)
    workshop.facilitators.append(account)
    db.session.add(workshop)
    db.session.flush()
    audit.record(
        audit.staff(account), "workshop_created", event.id, workshop_id=workshop.id
    )
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
        refuse(_("The name in the event's first language is required."))
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
            refuse(_("Only facilitators and admins can run a workshop."))
        workshop.facilitators = accounts
        details["facilitators"] = sorted(a.id for a in accounts)
    audit.record(actor, "workshop_updated", event.id, **details)
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


def event_log(event: Event) -> tuple[list[AuditEntry], dict[str, str]]:
    """The event's latest audit entries, newest first, and the staff names
    ``{"account:<id>": name}`` of their actors."""
    entries = db.session.scalars(
        sa.select(AuditEntry)
        .where(AuditEntry.event_id == event.id)
        .order_by(AuditEntry.id.desc())
        .limit(AUDIT_LOG_LIMIT)
    ).all()
    return list(entries), audit.account_names(e.actor for e in entries)


def newest_first() -> list[Event]:
    """Every event, the latest first (the public home page)."""
    return list(db.session.scalars(sa.select(Event).order_by(Event.starts_on.desc())))
