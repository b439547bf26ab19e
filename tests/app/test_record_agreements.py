"""The record states the agreement, and counts reservations with the right word.

Issue 14, defects 3 and 5: after an amendment the record's "Agreements" showed
the tally's order while "Adoption" stated the amended, adopted list; two
objecting delegates of one country were "the reservations of 2 delegations",
and in a secret poll objecting delegates were called delegations.
"""

import io
import re
from html import unescape

import pytest
from pypdf import PdfReader

from tests import factories
from voting import adoption, ballots, rounds
from voting.extensions import db


def _room(secret: bool):
    """A closed round A > B > C (top 1), five delegates: voters 0 and 3 are
    both of Argentina."""
    poll = factories.make_poll(options=("A", "B", "C"), top_k=1)
    poll.secret = secret
    poll.adoption_rule = "qualified"
    poll.adoption_threshold = 0.6
    delegations = factories.make_delegations(poll.event)
    voters = [
        factories.make_participant(poll.event, delegations[i % 3]) for i in range(5)
    ]
    ids = [o.id for o in poll.options]
    for voter in voters:
        ballots.cast(voter, poll.rounds[0].id, [[ids[0]], [ids[1]], [ids[2]]])
    rounds.close_round(poll.rounds[0].id, "test")
    db.session.commit()
    return poll, voters, ids


def _amend_and_adopt(poll, voters, ids):
    """Proposal 1 (the tally, A first) is refused; proposal 2 (B first) is
    adopted by consensus."""
    first = adoption.propose(poll.rounds[0], "test")
    for voter in voters:
        adoption.answer(voter, first.id, "object", "B first")
    adoption.close(first.id, "test")
    second = adoption.amend(first, [[ids[1]], [ids[0]], [ids[2]]], 1, "test")
    for voter in voters:
        adoption.answer(voter, second.id, "agree")
    adoption.close(second.id, "test")


def _columns(html: str) -> dict[str, str]:
    """Each language column of the record's first section, by language."""
    first = html.split('<figure class="chart">')[0]
    parts = first.split('<section class="column" lang="')[1:]
    return {part[:2]: part for part in parts}


def _items(body: str, css: str) -> list[str]:
    block = re.search(rf'<ul class="{css}">(.*?)</ul>', body, re.S)
    return [unescape(i) for i in re.findall(r"<li>(.*?)</li>", block.group(1))]


def test_agreements_are_the_adopted_list_after_an_amendment(secretariat_client, app):
    poll, voters, ids = _room(secret=False)
    _amend_and_adopt(poll, voters, ids)
    url = f"/secretariat/rounds/{poll.rounds[0].id}/export.html?lang=es%2Ben"
    html = secretariat_client.get(url).get_data(as_text=True)
    columns = _columns(html)
    en, es = columns["en"], columns["es"]
    # Agreements: the adopted list (B first), not the tally (A first) …
    assert _items(en, "highest") == ["B"]
    assert _items(en, "high") == ["A", "C"]
    assert _items(es, "highest") == ["B (es)"]
    agreements = unescape(en.split("<h3>")[0])
    assert "Adopted by consensus (proposal 2)" in agreements
    # … the Adoption paragraph says the same …
    adoption_part = unescape(en.split('<p class="adoption">')[1])
    assert adoption_part.startswith(
        "The representatives agreed by consensus that the issues of highest "
        "priority are B; other issues of high priority are A and C."
    )
    # … and the tally it came from is there as supporting data.
    assert _items(en, "tally") == ["1. A", "2. B", "3. C"]
    assert "The room amended the tally's list before adopting it." in unescape(en)
    pdf = secretariat_client.get(url.replace("export.html", "export.pdf"))
    text = " ".join(
        " ".join(
            p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages
        ).split()
    )
    assert "Supporting data: the tally" in text
    assert text.index("• B") < text.index("• A")  # Agreements before the tally
    # The address as typed (a + in a query is a space) gives the same record.
    typed = secretariat_client.get(url.replace("%2B", "+"))
    # (each export is audited: only the audit chain's head hash moves)
    assert _without_hashes(typed.get_data(as_text=True)) == _without_hashes(html)


def _without_hashes(text: str) -> str:
    return re.sub(r"\b[0-9a-f]{64}\b", "<sha256>", text)


def test_without_adoption_the_tally_is_labelled_as_not_adopted(secretariat_client, app):
    poll, voters, ids = _room(secret=False)
    url = f"/secretariat/rounds/{poll.rounds[0].id}/export.html?lang=en"
    body = _columns(secretariat_client.get(url).get_data(as_text=True))["en"]
    assert _items(body, "highest") == ["A"]
    assert "Not adopted yet: this is the tally of the ballots" in unescape(body)
    assert 'class="tally"' not in body


def _reservations(poll, voters):
    """Both Argentine delegates object; the three others agree (3 of 5 = 60 %)."""
    proposal = adoption.propose(poll.rounds[0], "test")
    for i, voter in enumerate(voters):
        if i in (0, 3):
            adoption.answer(voter, proposal.id, "object", "Not this order")
        else:
            adoption.answer(voter, proposal.id, "agree")
    adoption.close(proposal.id, "test")
    db.session.refresh(proposal)
    assert proposal.outcome == "reservations"
    return proposal


@pytest.mark.parametrize(
    ("secret", "who", "quien"),
    [
        (False, "1 delegation (Argentina)", "1 delegación (Argentina)"),
        (True, "2 delegates", "2 delegados"),
    ],
)
def test_reservations_are_counted_with_the_right_word(
    secretariat_client, admin_client, app, secret, who, quien
):
    poll, voters, _ids = _room(secret=secret)
    _reservations(poll, voters)
    url = f"/secretariat/rounds/{poll.rounds[0].id}/export.html?lang=en%2Bes"
    html = unescape(secretariat_client.get(url).get_data(as_text=True))
    assert f"The representatives adopted, with the reservations of {who}, that" in html
    assert f"con las reservas de {quien}" in html
    assert "delegations, that" not in html
    projector = app.test_client()
    projector.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    live = unescape(
        projector.get(f"/display/{poll.display_token}/live").get_data(as_text=True)
    )
    assert f"With the reservations of {who}." in live
    admin_client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    console = unescape(admin_client.get(f"/console/polls/{poll.id}").get_data(True))
    assert f"Adopted with the reservations of {who}" in console
    if secret:
        assert "Argentina" not in live.split("consent-panel")[1]


def test_a_list_adopted_as_proposed_is_not_called_amended(secretariat_client, app):
    poll, voters, ids = _room(secret=False)
    proposal = adoption.propose(poll.rounds[0], "test")
    for voter in voters:
        adoption.answer(voter, proposal.id, "agree")
    adoption.close(proposal.id, "test")
    url = f"/secretariat/rounds/{poll.rounds[0].id}/export.html?lang=en"
    body = unescape(_columns(secretariat_client.get(url).get_data(as_text=True))["en"])
    assert "Adopted by consensus (proposal 1)" in body
    assert _items(body, "highest") == ["A"]
    assert _items(body, "tally") == ["1. A", "2. B", "3. C"]
    assert "amended" not in body


@pytest.mark.parametrize(
    ("tie_break", "said"),
    [
        (False, "Ties: tie kept."),
        (True, "Ties: tie broken by the declared rule: Borda score, then a lot"),
    ],
)
def test_the_record_says_how_the_proposal_treated_a_tie(
    secretariat_client, tie_break, said
):
    """A and B tie at the top (two ballots each way): the adopted list's
    supporting data says whether the proposal kept the tie or broke it."""
    poll = factories.make_poll(options=("A", "B", "C"), top_k=1)
    poll.secret = False
    delegations = factories.make_delegations(poll.event)
    voters = [factories.make_participant(poll.event, d) for d in delegations[:2]]
    a, b, c = (o.id for o in poll.options)
    ballots.cast(voters[0], poll.rounds[0].id, [[a], [b], [c]])
    ballots.cast(voters[1], poll.rounds[0].id, [[b], [a], [c]])
    rounds.close_round(poll.rounds[0].id, "test")
    proposal = adoption.propose(poll.rounds[0], "test", tie_break=tie_break)
    for voter in voters:
        adoption.answer(voter, proposal.id, "agree")
    adoption.close(proposal.id, "test")
    db.session.commit()

    url = f"/secretariat/rounds/{poll.rounds[0].id}/export.html?lang=en"
    body = unescape(_columns(secretariat_client.get(url).get_data(as_text=True))["en"])
    assert said in body
    assert ("tie kept" in body) is not tie_break
