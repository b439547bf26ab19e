"""The consent check as the room sees it: the proposed list, the rule, the answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from babel.lists import format_list
from flask_babel import format_percent, get_locale, ngettext
from flask_babel import gettext as _

from .. import adoption, charts
from ..models import Poll, Proposal, Round


def proposal_items(proposal: Proposal, lang: str, second: str | None = None):
    """The proposed list: ``[{"number", "position", "title", "subtitle",
    "tier", "ids", "titles", "shared"}]``.

    A merged item's titles are joined with " + "; the first ``cut`` items are
    "highest", the rest "high". ``number`` counts items; ``position`` is the
    rank as results write it (after a shared 2= comes 4).
    """
    by_id = {option.id: option for option in proposal.poll.options}
    rows, position = [], 1
    for number, item in enumerate(proposal.items, start=1):
        options = [by_id[o] for o in item if o in by_id]
        title = " + ".join(o.title_in(lang) for o in options)
        subtitle = " + ".join(o.title_in(second) for o in options) if second else ""
        rows.append(
            {
                "number": number,
                "position": position,
                "title": title,
                "subtitle": subtitle if subtitle != title else "",
                "tier": "highest" if number <= proposal.cut else "high",
                "ids": list(item),
                #: One title per option: a tied (or merged) item's options
                #: share the position ("4= Training, 4= Indicators").
                "titles": [o.title_in(lang) for o in options],
                "shared": len(options) > 1,
            }
        )
        position += len(item)
    return rows


def rule_sentence(proposal: Proposal) -> str:
    """The adoption rule in one sentence, in the current language."""
    if proposal.rule != "qualified":
        return _("Adopted if nobody objects.")
    share = format_percent(proposal.threshold)
    if proposal.by_delegation:
        return _(
            "Adopted if at least %(share)s of the delegations that answer agree "
            "or can live with it.",
            share=share,
        )
    return _(
        "Adopted if at least %(share)s of the delegates that answer agree or "
        "can live with it.",
        share=share,
    )


def outcome_label(outcome: str | None) -> str:
    """ "Adopted by consensus" / "Adopted with reservations" / "Not adopted"."""
    if outcome == "consensus":
        return _("Adopted by consensus")
    if outcome == "reservations":
        return _("Adopted with reservations")
    if outcome == "not_adopted":
        return _("Not adopted")
    return ""


def objectors(proposal: Proposal, summary: adoption.Summary) -> str:
    """Who objected, counted with the right word.

    Named polls count delegations (two objecting delegates of one country
    are one delegation) and name them; secret polls count the answering
    units (delegates, or delegations when the poll counts one country, one
    vote) and name nobody.
    """
    if not proposal.poll.secret:
        names = [o["delegation"] for o in summary.objections]
        names = [n for n in dict.fromkeys(names) if n and n != "—"]
        num = len(
            {
                row.delegation_id or f"p{row.participant_id}"
                for row in proposal.answers
                if row.answer == "object"
            }
        )
        if not names:
            return ngettext("%(num)d delegation", "%(num)d delegations", num)
        return ngettext(
            "%(num)d delegation (%(names)s)",
            "%(num)d delegations (%(names)s)",
            num,
            names=format_list(names, locale=get_locale()),
        )
    num = summary.counts["object"]
    if proposal.by_delegation:
        return ngettext("%(num)d delegation", "%(num)d delegations", num)
    return ngettext("%(num)d delegate", "%(num)d delegates", num)


def reservations_sentence(proposal: Proposal, summary=None) -> str:
    """ "With the reservations of 1 delegation (Argentina)." once adopted so."""
    if proposal.status != "closed" or proposal.outcome != "reservations":
        return ""
    summary = summary or adoption.summarize(proposal)
    return _("With the reservations of %(who)s.", who=objectors(proposal, summary))


def outcome_text(proposal: Proposal) -> str:
    """The outcome label, with who holds the reservations when there are some."""
    if proposal.status != "closed":
        return ""
    if proposal.outcome == "reservations":
        return _(
            "Adopted with the reservations of %(who)s",
            who=objectors(proposal, adoption.summarize(proposal)),
        )
    return outcome_label(proposal.outcome)


def answer_labels() -> dict[str, str]:
    """The three answers, as the delegate reads them."""
    return {
        "agree": _("Agree"),
        "stand_aside": _("I can live with it"),
        "object": _("I object"),
    }


@dataclass
class ConsentView:
    """A proposal as the projector shows it: list, rule, live counts, outcome."""

    proposal: Proposal
    summary: adoption.Summary
    items: list[dict[str, Any]]
    rule: str
    outcome: str
    named: bool
    charts: dict[str, Any] = field(default_factory=dict)

    @property
    def closed(self) -> bool:
        return self.proposal.status == "closed"

    @property
    def reservations(self) -> str:
        """ "With the reservations of 2 delegates." (empty unless so adopted)."""
        return reservations_sentence(self.proposal, self.summary)

    @property
    def objecting(self) -> list[str]:
        """Objecting delegations (named polls), without repeats."""
        names = [o["delegation"] for o in self.summary.objections if o["delegation"]]
        return list(dict.fromkeys(names))


def build_consent(
    proposal: Proposal | None,
    lang: str,
    second: str | None = None,
    *,
    projector: bool = False,
) -> ConsentView | None:
    """The consent-check panel of a proposal (``None`` without one);
    ``projector``: its charts sized for the room's screen."""
    if proposal is None:
        return None
    summary = adoption.summarize(proposal)
    labels = answer_labels()
    view = ConsentView(
        proposal=proposal,
        summary=summary,
        items=proposal_items(proposal, lang, second),
        rule=rule_sentence(proposal),
        outcome=outcome_label(proposal.outcome) if proposal.status == "closed" else "",
        named=not proposal.poll.secret,
    )
    names = [labels[choice] for choice in adoption.ANSWERS]
    view.charts["answers"] = charts.stacked_bars(
        [
            charts.Stack(
                label=labels[choice],
                parts=[
                    summary.counts[c] if c == choice else 0 for c in adoption.ANSWERS
                ],
            )
            for choice in adoption.ANSWERS
        ],
        legend=names,
        title=_("Answers"),
        show_legend=False,
        projector=projector,
    )
    # By delegation only when the poll is named: in a secret poll a
    # delegation's bar would tell whose objection is shown.
    if view.named and summary.by_delegation:
        view.charts["by_delegation"] = charts.stacked_bars(
            [
                charts.Stack(
                    label=row["delegation"],
                    parts=[row[choice] for choice in adoption.ANSWERS],
                )
                for row in summary.by_delegation
            ],
            legend=names,
            title=_("Answers by delegation"),
            projector=projector,
        )
    return view


def poll_proposal(poll: Poll, round_: Round | None) -> Proposal | None:
    """The proposal the display shows: the latest one of the shown round.

    A plenary poll shows its latest proposal whatever the round.
    """
    proposal = adoption.latest(poll)
    if proposal is None:
        return None
    if poll.workshop_id is None or round_ is None:
        return proposal
    return proposal if proposal.round_id == round_.id else None
