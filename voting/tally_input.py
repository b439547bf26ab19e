"""What the tally command reads besides the PrefLib file: the weights CSV.

:class:`TallyError` is the command's user error (one line on stderr, exit
status 2, in the reader's language); :func:`weighted_profile` applies a
``--weights`` file (:func:`read_weights`) to the orders PrefLib read.
"""

from __future__ import annotations

import csv
import io

import click

from voting.aggregation import AggregationError, Profile
from voting.aggregation.preflib import format_order, parse_order
from voting.tally_text import _, package_text


class TallyError(click.ClickException):
    """A user error: printed as one line on stderr, exit code 2."""

    exit_code = 2

    def show(self, file=None):
        message = _("Error: %(message)s", message=self.format_message())
        click.echo(message, file=file, err=file is None)


def read_weights(text, m):
    """Parse a weights CSV into ``{order key: weight}``.

    Format: a header row ``order,weight``, then one row per distinct order of
    the PrefLib file: the order exactly as PrefLib writes it (quoted, since it
    holds commas), and the *total* weight of the ballots with that order, e.g.::

        order,weight
        "1,{2,3},4",0.75
        "2,1",1.25

    Orders are matched as weak orders (``{2,3}`` = ``{3,2}``). Every order of
    the PrefLib file needs a row, and no row may name an order the file lacks.
    """
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or [c.strip().lower() for c in rows[0][:2]] != ["order", "weight"]:
        raise TallyError(_("weights file: the first row must be 'order,weight'"))
    out = {}
    for n, row in enumerate(rows[1:], 2):
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) != 2:
            raise TallyError(
                _(
                    "weights file line %(line)s: expected 2 columns (quote the "
                    "order), got %(got)s",
                    line=n,
                    got=len(row),
                )
            )
        try:
            where = _("weights file line %(line)s", line=n)
            tiers = parse_order(row[0], m, True, where)
        except AggregationError as exc:
            raise TallyError(package_text(str(exc))) from None
        try:
            w = float(row[1])
        except ValueError:
            raise TallyError(
                _(
                    "weights file line %(line)s: weight %(weight)s is not a number",
                    line=n,
                    weight=repr(row[1]),
                )
            ) from None
        key = tuple(frozenset(t) for t in tiers)
        if key in out:
            raise TallyError(
                _(
                    "weights file line %(line)s: order %(order)s repeated",
                    line=n,
                    order=repr(row[0]),
                )
            )
        out[key] = w
    return out


def weighted_profile(data, weights_file, file_name, unranked):
    """The profile of ``data`` (a PrefLib read), each distinct order weighted
    by the ``weights_file`` CSV when one is given (None: the file's counts)."""
    if weights_file is None:
        return data.profile
    try:
        wtext = weights_file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise TallyError(
            _(
                "cannot read %(file)s: %(reason)s",
                file=str(weights_file),
                reason=exc,
            )
        ) from None
    weights = read_weights(wtext, len(data.options))
    ballots = []
    for _count, tiers in data.orders:
        key = tuple(frozenset(t) for t in tiers)
        if key not in weights:
            raise TallyError(
                _(
                    "weights file: no weight for the order %(order)s",
                    order=format_order(tiers),
                )
            )
        ballots.append((tiers, weights.pop(key)))
    if weights:
        raise TallyError(
            _(
                "weights file: %(count)s order(s) do not appear in %(file)s",
                count=len(weights),
                file=file_name,
            )
        )
    return Profile(data.options, ballots, unranked)
