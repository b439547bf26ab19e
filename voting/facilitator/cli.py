"""Rehearsal and scripting commands, through the same services as the console.

``flask round open|close|next ROUND_ID``, ``flask display-link POLL_ID`` and
``flask simulate-votes ROUND_ID --n 38 [--seed S] [--force]``. Messages are
printed in English; the audit actor is ``cli``.
"""

from __future__ import annotations

import functools

import click
from flask_babel import force_locale

from .. import links, rounds, simulation
from ..errors import UserError
from ..extensions import db
from ..models import Poll, Round
from ..setup.polls import run_round_transition
from . import bp

ACTOR = "cli"


def in_english(command):
    """Run the command with messages (the services' gettext) in English."""

    @functools.wraps(command)
    def wrapped(*args, **kwargs):
        with force_locale("en"):
            return command(*args, **kwargs)

    return wrapped


def _round(round_id: int) -> Round:
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        raise click.ClickException(f"No round with id {round_id}.")
    return round_


def _describe(round_: Round) -> str:
    poll = round_.poll
    return (
        f"Round {round_.number} (id {round_.id}) of poll {poll.id} "
        f"«{poll.title(poll.event.default_language)}»"
    )


@bp.cli.group("round")
def round_group():
    """Open, close or start the next round of a poll."""


def _transition(round_id: int, transition, verb: str) -> None:
    round_ = _round(round_id)
    try:
        round_ = run_round_transition(round_, transition, ACTOR)
    except UserError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    click.echo(f"{_describe(round_)} is {verb}.")


@round_group.command("open")
@click.argument("round_id", type=int)
@in_english
def open_command(round_id: int):
    """Open a draft round."""
    _transition(round_id, rounds.open_round, "open")


@round_group.command("close")
@click.argument("round_id", type=int)
@in_english
def close_command(round_id: int):
    """Close an open round."""
    _transition(round_id, rounds.close_round, "closed")


@round_group.command("next")
@click.argument("round_id", type=int)
@in_english
def next_command(round_id: int):
    """Open the next round of the poll after ROUND_ID (the last, closed)."""
    _transition(round_id, rounds.next_round, "open")


@bp.cli.command("display-link")
@click.argument("poll_id", type=int)
@in_english
def display_link(poll_id: int):
    """Print the projector URL of a poll."""
    poll = db.session.get(Poll, poll_id)
    if poll is None:
        raise click.ClickException(f"No poll with id {poll_id}.")
    click.echo(links.display_link(poll))


@bp.cli.command("simulate-votes")
@click.argument("round_id", type=int)
@click.option(
    "--n",
    "n",
    type=click.IntRange(min=1),
    default=38,
    show_default=True,
    help="How many ballots (at most one per eligible participant).",
)
@click.option("--seed", type=int, default=None, help="Seed for a repeatable run.")
@click.option(
    "--force",
    is_flag=True,
    help="Also when the round already has ballots (revises theirs).",
)
@in_english
def simulate_votes(round_id: int, n: int, seed: int | None, force: bool):
    """Cast plausible, correlated random ballots in an open round (rehearsals)."""
    round_ = _round(round_id)
    try:
        result = simulation.simulate_votes(round_, n, ACTOR, seed=seed, force=force)
    except UserError as error:
        raise click.ClickException(error.message) from error
    click.echo(
        f"Cast {result.cast} simulated ballots in {_describe(round_)} "
        f"({result.eligible} eligible participants"
        + (f", {result.revised} revised" if result.revised else "")
        + (f", seed {seed}" if seed is not None else "")
        + ")."
    )
    if result.cast < n:
        click.echo(f"Only {result.eligible} participants can vote in this round.")
    click.echo("Reference order: " + " > ".join(result.reference))
