"""The record's "Adoption" paragraph: the outcome of the room's consent check."""

from __future__ import annotations

from babel.lists import format_list
from flask_babel import get_locale
from flask_babel import gettext as _

from .. import adoption, presentation
from .section import Section


def _joined(titles: list[str]) -> str:
    """ "A, B and C" in the current language."""
    return format_list(titles, locale=get_locale()) if titles else "–"


def _proposals(section: Section) -> list:
    """The section's closed proposals: its round's, or the plenary's."""
    round_id = section.round.id if section.round is not None else None
    return [
        p
        for p in adoption.history(section.poll)
        if p.round_id == round_id and p.status == "closed"
    ]


def final_proposal(section: Section):
    """The section's last closed proposal (the one the Adoption paragraph
    states), or None."""
    proposals = _proposals(section)
    return proposals[-1] if proposals else None


def adopted_proposal(section: Section):
    """The proposal whose list the room adopted, if the last one was."""
    final = final_proposal(section)
    if final is not None and final.outcome in ("consensus", "reservations"):
        return final
    return None


def adoption_text(section: Section, lang: str) -> tuple[str, str, list[str]]:
    """The "Adoption" paragraph, the rule, and the history of the proposals.

    Phrased like the 2005 report: "The representatives agreed by consensus
    that …", or "… adopted with the reservations of X and Y".
    """
    proposals = _proposals(section)
    if not proposals:
        return "", "", []
    history = []
    for proposal in proposals:
        counts = adoption.summarize(proposal).counts
        history.append(
            _(
                "Proposal %(n)d: %(outcome)s (agree %(agree)d, can live with it "
                "%(aside)d, object %(object)d).",
                n=proposal.number,
                outcome=presentation.outcome_label(proposal.outcome),
                agree=counts["agree"],
                aside=counts["stand_aside"],
                object=counts["object"],
            )
        )
    final = proposals[-1]
    items = presentation.proposal_items(final, lang)
    highest = _joined([i["title"] for i in items if i["tier"] == "highest"])
    high = _joined([i["title"] for i in items if i["tier"] != "highest"])
    summary = adoption.summarize(final)
    if final.outcome == "consensus":
        text = _(
            "The representatives agreed by consensus that the issues of highest "
            "priority are %(highest)s; other issues of high priority are %(high)s.",
            highest=highest,
            high=high,
        )
        if summary.standing_aside:
            text += " " + _(
                "%(names)s stood aside.", names=_joined(summary.standing_aside)
            )
    elif final.outcome == "reservations":
        who = presentation.objectors(final, summary)
        text = _(
            "The representatives adopted, with the reservations of %(who)s, that "
            "the issues of highest priority are %(highest)s; other issues of high "
            "priority are %(high)s.",
            who=who,
            highest=highest,
            high=high,
        )
    else:
        text = _(
            "The proposed list was not adopted: %(num)d objections were raised.",
            num=summary.counts["object"],
        )
    return text, presentation.rule_sentence(final), history
