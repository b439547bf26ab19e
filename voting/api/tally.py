"""Tally and turnout of a poll's latest round, for scripts and other screens.

Reached by the same unguessable display token as the projector page and
under the same rules: hidden results stay hidden until close, a secret poll
shows no tally below three ballots.
"""

from flask import jsonify
from flask_babel import get_locale

from ..displays import conditional, current_etag, poll_or_404
from ..presentation import build
from . import bp


@bp.route("/display/<token>/tally")
def display_tally(token):
    """Turnout and (when visible) the tally of the poll's latest round."""

    def render(etag):
        view = build(poll_or_404(token), str(get_locale()), projector=True)
        result = view.result
        turnout = result.turnout
        body = {
            "poll_id": view.poll.id,
            "round": {
                "number": view.round.number,
                "status": view.round.status,
                "version": result.version,
            },
            "turnout": {
                "ballots": turnout.ballots,
                "participants": turnout.participants,
                "delegations_voted": turnout.delegations_voted,
                "delegations_total": turnout.delegations_total,
            },
            "results_visible": view.show_results,
            "tally": None,
        }
        if view.show_results:
            tally = result.tally.to_dict()
            body["tally"] = {
                key: tally[key]
                for key in (
                    "method",
                    "ranking",
                    "scores",
                    "winner",
                    "ties",
                    "consensus",
                    "params",
                )
            }
            body["tally"]["consensus"] = {
                "kendall_w": result.consensus["kendall_w"],
                "supermajority_share": result.consensus["supermajority_share"],
            }
        return jsonify(body).get_data()

    response = conditional(current_etag(token), render)
    response.mimetype = "application/json"
    return response
