"""What an export holds: sections (a closed round, or a plenary), tables, metadata.

Every format is written from the same ``(headers, rows)`` tables built here
from :func:`voting.tallies.for_round` / :func:`voting.tallies.for_plenary`, so
a CSV, a spreadsheet, a JSON file and the record cannot disagree.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _

from .. import __version__, audit, disclosure, tallies
from ..aggregation import METHODS
from ..aggregation.report import jsonable
from ..errors import UserError
from ..models import Poll, Round, RoundStatus
from .ballots import ballot_file
from .section import Section


def round_section(round_: Round) -> Section:
    """The export section of a closed round with ballots."""
    if round_.status != RoundStatus.CLOSED:
        raise UserError(_("Only a closed round can be exported."), 409)
    result = tallies.for_round(round_, with_agreement=True)
    if result.tally is None:
        raise UserError(_("This round has no ballots to export."), 409)
    _check_secrecy(round_.poll, result.turnout.ballots)
    section = Section(
        poll=round_.poll,
        round=round_,
        result=result,
        ballots=None,  # type: ignore[arg-type]
        label=str(round_.number),
        closed_at=round_.closed_at,
    )
    section.ballots = ballot_file(section)
    return section


def _check_secrecy(poll: Poll, ballots: int) -> None:
    """Refuse what the projector hides: a secret count too small to publish."""
    allowed = disclosure.ballot_file(poll, ballots)
    if not allowed:
        raise UserError(allowed.reason, 409)


def plenary_section(poll: Poll) -> Section:
    """The export section pooling the workshops' last closed rounds."""
    if poll.workshop_id is not None:
        raise UserError(_("Only a plenary poll pools the workshops."), 400)
    plenary = tallies.for_plenary(poll)
    if plenary.result.tally is None:
        raise UserError(_("No workshop has a closed round with ballots yet."), 409)
    _check_secrecy(poll, plenary.result.turnout.ballots)
    closed = [r.closed_at for r, _why in plenary.basis.values() if r.closed_at]
    section = Section(
        poll=poll,
        round=None,
        result=plenary.result,
        ballots=None,  # type: ignore[arg-type]
        label="plenary",
        closed_at=max(closed) if closed else None,
        sources=plenary.sources,
    )
    section.ballots = ballot_file(section, pooled=_pooled_rows(poll, plenary))
    return section


def _pooled_rows(poll: Poll, plenary: tallies.PlenaryResult):
    """``(tiers, count, weight)`` of every workshop's distinct ballots, mapped
    to the plenary's option ids (counts are ballots, weights what was tallied)."""
    target = {option.key: option.id for option in poll.options}
    rows = []
    for source_poll, result in plenary.pooled:
        profile = result.profile
        to_plenary = {o.id: target[o.key] for o in source_poll.options}
        for (tiers, weight), count in zip(
            profile.rankings(), profile.counts.tolist(), strict=True
        ):
            rows.append(
                ([[to_plenary[o] for o in tier] for tier in tiers], count, weight)
            )
    return rows


def poll_sections(poll: Poll) -> list[Section]:
    """Every closed round of a poll that has ballots, in round order."""
    sections = [
        round_section(r)
        for r in poll.rounds
        if r.status == RoundStatus.CLOSED and tallies.for_round(r).turnout.ballots
    ]
    if not sections:
        raise UserError(_("This poll has no closed round with ballots yet."), 409)
    return sections


# -- metadata --------------------------------------------------------------------


def _iso(value: datetime | None) -> str:
    return value.replace(microsecond=0).isoformat() + "Z" if value else ""


def metadata(section: Section) -> dict[str, Any]:
    """What a third party needs to identify and recompute the result."""
    poll, tally, lang = section.poll, section.tally, section.event.default_language
    ballots = section.ballots
    command = f"flask --app wsgi tally {ballots.name} --method {tally.method}"
    if ballots.weights_name:
        command += f" --weights {ballots.weights_name}"
    if tally.params.get("unranked", "last") != "last":
        command += f" --unranked {tally.params['unranked']}"
    if tally.params.get("tie_break", "none") != "none":
        # The command line spells it earlier-rounds.
        command += f" --tie-break {tally.params['tie_break'].replace('_', '-')}"
        if tally.params.get("seed") is not None:
            command += f" --seed {tally.params['seed']}"
    turnout = section.result.turnout
    return {
        "event": section.event.title(lang),
        "event_slug": section.event.slug,
        "workshop": poll.workshop.title(lang) if poll.workshop else "",
        "poll": poll.title(lang),
        "poll_id": poll.id,
        "round": section.label,
        "round_id": section.round.id if section.round else "",
        "opened_at": _iso(section.round.opened_at) if section.round else "",
        "closed_at": _iso(section.closed_at),
        "sources": "; ".join(
            f"{p.workshop.title(lang)} (poll {p.id}, round {r.round_id})"
            for p, r in section.sources
        ),
        "method": tally.method,
        "method_label": tally.label,
        "weighting": section.weighting,
        "unranked": tally.params.get("unranked", "last"),
        "tie_break": tally.params.get("tie_break", "none"),
        "tie_rule": tally.params.get("tie_rule", ""),
        "top_k": poll.top_k,
        "secret": poll.secret,
        "ballots": turnout.ballots,
        "eligible_participants": turnout.participants,
        "total_weight": section.result.profile.total_weight,
        "kendall_w": (section.result.consensus or {}).get("kendall_w"),
        "software": "Prioriza",
        "software_version": __version__,
        "ballot_file": ballots.name,
        "ballot_file_type": ballots.data_type,
        "ballot_file_sha256": ballots.sha256,
        "weights_file": ballots.weights_name or "",
        "weights_file_sha256": ballots.weights_sha256 or "",
        "recompute": command,
        # The audit chain's head when this file was made: a later edit of
        # the log before this point breaks the chain below this hash.
        "audit_head_sha256": audit.head(poll.event_id),
    }


# -- tables ------------------------------------------------------------------------


def _title_headers(section: Section) -> list[str]:
    return [f"title_{code}" for code in section.languages]


def _titles(section: Section, option) -> list[str]:
    return [option.title_in(code) for code in section.languages]


def priorities(sections: list[Section]) -> tuple[list[str], list[list]]:
    """The priority list: one row per option and section, best first."""
    headers = [
        "round",
        "position",
        "tied",
        "tier",
        "alternative",
        "option_key",
        *_title_headers(sections[0]),
        "score",
    ]
    rows = []
    for section in sections:
        by_id = {o.id: o for o in section.poll.options}
        position = section.tally.position()
        for tier in section.tally.ranking:
            for option_id in tier:
                option = by_id[option_id]
                rows.append(
                    [
                        section.label,
                        position[option_id],
                        len(tier) > 1,
                        "highest"
                        if position[option_id] <= section.poll.top_k
                        else "high",
                        section.alternative(option_id),
                        option.key,
                        *_titles(section, option),
                        section.tally.scores.get(option_id),
                    ]
                )
    return headers, rows


def method_scores(sections: list[Section]) -> tuple[list[str], list[list]]:
    """Each option's position and score under every method."""
    names = list(sections[0].result.all_tallies) or [sections[0].tally.method]
    headers = ["round", "alternative", "option_key", *_title_headers(sections[0])]
    for name in names:
        headers += [f"{name}_position", f"{name}_score"]
    rows = []
    for section in sections:
        tallies_ = section.result.all_tallies or {section.tally.method: section.tally}
        positions = {n: t.position() for n, t in tallies_.items()}
        for option in section.poll.options:
            row = [
                section.label,
                section.alternative(option.id),
                option.key,
                *_titles(section, option),
            ]
            for name in names:
                t = tallies_.get(name)
                row += [
                    positions[name].get(option.id) if t else None,
                    t.scores.get(option.id) if t else None,
                ]
            rows.append(row)
    return headers, rows


def pairwise(sections: list[Section]) -> tuple[list[str], list[list]]:
    """``P[x][y]``: total weight ranking the row option above the column one."""
    section = sections[0]
    m = len(section.poll.options)
    headers = ["round", "alternative", "option_key"] + [
        f"over_{j}" for j in range(1, m + 1)
    ]
    rows = []
    for section in sections:
        matrix = section.result.profile.pairwise.tolist()
        index = section.result.profile.index
        options = section.poll.options
        for option in options:
            row = matrix[index[option.id]]
            rows.append(
                [section.label, section.alternative(option.id), option.key]
                + [
                    None if other.id == option.id else row[index[other.id]]
                    for other in options
                ]
            )
    return headers, rows


def turnout(sections: list[Section]) -> tuple[list[str], list[list]]:
    """Ballots against eligible delegates, by delegation (or by workshop)."""
    headers = ["round", "delegation_code", "delegation", "ballots", "eligible"]
    rows = []
    for section in sections:
        lang = section.event.default_language
        if section.round is None:
            for poll, result in section.sources:
                rows.append(
                    [
                        section.label,
                        "",
                        poll.workshop.title(lang),
                        result.turnout.ballots,
                        result.turnout.participants,
                    ]
                )
            continue
        for d in section.result.turnout.by_delegation:
            rows.append([section.label, d["code"], d["name"], d["voted"], d["total"]])
    return headers, rows


def metadata_table(sections: list[Section]) -> tuple[list[str], list[list]]:
    """The metadata of every section as ``round, field, value`` rows."""
    rows = []
    for section in sections:
        rows += [[section.label, k, v] for k, v in metadata(section).items()]
    return ["round", "field", "value"], rows


SHEETS = {
    "priorities": priorities,
    "scores": method_scores,
    "pairwise": pairwise,
    "turnout": turnout,
    "metadata": metadata_table,
}


def as_json(sections: list[Section]) -> dict[str, Any]:
    """The sections as one JSON document (tally dicts keep database option ids)."""
    out = []
    for section in sections:
        tally = section.tally
        numbers = section.ballots.numbers
        out.append(
            {
                "metadata": metadata(section),
                "options": [
                    {
                        "id": o.id,
                        "alternative": numbers[o.id],
                        "key": o.key,
                        "title": {code: o.title_in(code) for code in section.languages},
                    }
                    for o in section.poll.options
                ],
                "ranking_alternatives": [
                    [numbers[o] for o in tier] for tier in tally.ranking
                ],
                "priorities": [
                    dict(zip(priorities([section])[0], row, strict=True))
                    for row in priorities([section])[1]
                ],
                "tally": tally.to_dict(),
                "methods": {
                    name: {
                        "label": METHODS[name].label,
                        "ranking": [list(tier) for tier in t.ranking],
                        "scores": t.scores,
                    }
                    for name, t in section.result.all_tallies.items()
                },
                "consensus": section.result.consensus,
                "agreement": section.result.agreement,
                "turnout": {
                    "ballots": section.result.turnout.ballots,
                    "eligible": section.result.turnout.participants,
                    "by_delegation": section.result.turnout.by_delegation,
                },
            }
        )
    return jsonable({"software_version": __version__, "sections": out})
