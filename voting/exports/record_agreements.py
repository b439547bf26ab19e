"""The record's "Agreements": what the room adopted, else the tally, labelled.

Where the section's last consent check adopted a list, "Agreements" is that
list, its tiers as adopted (after an amendment too), and the tally it was
proposed from follows as supporting data. Where none was adopted, it is the
tally, labelled as not adopted yet. Both read the proposal the "Adoption"
paragraph states (:func:`.record_adoption.final_proposal`), so the two
sections cannot contradict each other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_babel import gettext as _

from .. import adoption, presentation
from .record_adoption import adopted_proposal
from .section import Section

if TYPE_CHECKING:
    from .record_text import Column


def highest_intro(count: int) -> str:
    if count == 1:
        return _("The issue of highest priority is:")
    if count == 2:
        return _("The two issues of highest priority are:")
    if count == 3:
        return _("The three issues of highest priority are:")
    return _("The %(count)d issues of highest priority are:", count=count)


def _marked(row, ties: bool) -> str:
    return f"{row.title} (=)" if ties and row.tied else row.title


def _tally_lines(rows) -> list[str]:
    """ "1. A", "2= B", "2= C": the tally's positions, ties marked."""
    return [f"{r.position}{'=' if r.tied else '.'} {r.title}" for r in rows]


def fill(col: Column, section: Section, rows, lang: str) -> None:
    """Set the column's Agreements from the adopted list, else the tally."""
    ties = bool(section.result.tally.ties)
    tie_note = (
        _("Options marked = are tied: the method does not separate them.")
        if ties
        else ""
    )
    col.high_intro = _("Other issues of high priority are:")
    proposal = adopted_proposal(section)
    if proposal is None:
        col.status = _(
            "Not adopted yet: this is the tally of the ballots, which the room "
            "has not adopted."
        )
        col.status_class = "not-adopted"
        col.highest = [_marked(r, ties) for r in rows if r.tier == "highest"]
        col.high = [_marked(r, ties) for r in rows if r.tier != "highest"]
        col.highest_intro = highest_intro(len(col.highest))
        col.tie_note = tie_note
        return
    items = presentation.proposal_items(proposal, lang)
    col.status = _(
        "%(outcome)s (proposal %(n)d): the list below is the one the room adopted.",
        outcome=presentation.outcome_label(proposal.outcome),
        n=proposal.number,
    )
    col.status_class = "adopted"
    col.highest = [t for i in items if i["tier"] == "highest" for t in _item_lines(i)]
    col.high = [t for i in items if i["tier"] != "highest" for t in _item_lines(i)]
    col.highest_intro = highest_intro(len(col.highest))
    col.tally_title = _("Supporting data: the tally")
    col.tally_intro = _(
        "The adopted list was proposed from this tally of the ballots (%(method)s):",
        method=presentation.method_label(section.result.tally.method),
    )
    col.tally = _tally_lines(rows)
    handled = adoption.tie_handling(proposal)
    amended = (
        _("The room amended the tally's list before adopting it.")
        if _amended(proposal, rows, section.result.tally.ranking)
        else ""
    )
    ties_then = _("Ties: %(how)s.", how=handled) if handled else ""
    col.tally_note = " ".join(n for n in (amended, tie_note, ties_then) if n)


def _item_lines(item) -> list[str]:
    """A proposal item as the list shows it: one line per option of a tied
    item, each marked (=), as the tally marks them."""
    if item["shared"]:
        return [f"{title} (=)" for title in item["titles"]]
    return [item["title"]]


def _amended(proposal, rows, ranking) -> bool:
    """Whether the adopted list differs from the tally: another order,
    another highest tier, or options merged that the tally did not tie."""
    order = [o for item in proposal.items for o in item]
    highest = {o for item in proposal.items[: proposal.cut] for o in item}
    tied = [set(tier) for tier in ranking if len(tier) > 1]
    return (
        order != [r.option_id for r in rows]
        or highest != {r.option_id for r in rows if r.tier == "highest"}
        or any(len(item) > 1 and set(item) not in tied for item in proposal.items)
    )
