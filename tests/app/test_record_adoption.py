"""The record's "Adoption" paragraph, in every format and both languages."""

import io

from pypdf import PdfReader

from voting import adoption
from voting.extensions import db


def adopt_with_reservations(poll, voters, ids):
    poll.adoption_rule = "qualified"
    poll.secret = False
    db.session.commit()
    first = adoption.propose(poll.rounds[0], "test")
    for voter in voters:
        adoption.answer(voter, first.id, "object", "Not this order")
    adoption.close(first.id, "test")
    second = adoption.amend(first, [[ids[1]], [ids[0]], [ids[2]]], 1, "test")
    adoption.answer(voters[0], second.id, "object", "We prefer A first")
    for voter in voters[1:]:
        adoption.answer(voter, second.id, "agree")
    adoption.close(second.id, "test")


def test_record_states_the_reservations_and_the_history(
    secretariat_client, closed_poll
):
    poll, voters, ids = closed_poll
    adopt_with_reservations(poll, voters, ids)
    url = f"/secretariat/rounds/{poll.rounds[0].id}/export.html?lang=es%2Ben"
    html = secretariat_client.get(url).get_data(as_text=True)
    assert (
        "The representatives adopted, with the reservations of 1 delegation "
        "(Argentina), that the "
        "issues of highest priority are B; other issues of high priority are A "
        "and C." in html
    )
    assert "Proposal 1: Not adopted (agree 0, can live with it 0, object 5)." in html
    assert "Proposal 2: Adopted with reservations" in html
    assert "con las reservas de 1 delegación (Argentina)" in html  # the Spanish column
    pdf = secretariat_client.get(
        f"/secretariat/rounds/{poll.rounds[0].id}/export.pdf?lang=en"
    )
    text = " ".join(
        page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages
    )
    assert "reservations of 1 delegation (Argentina)" in " ".join(text.split())


def test_consensus_sentence_and_secret_poll_names_nobody(
    secretariat_client, closed_poll
):
    poll, voters, ids = closed_poll
    proposal = adoption.propose(poll.rounds[0], "test")
    adoption.answer(voters[0], proposal.id, "stand_aside")
    adoption.answer(voters[1], proposal.id, "agree")
    adoption.close(proposal.id, "test")
    url = f"/secretariat/rounds/{poll.rounds[0].id}/export.html?lang=en"
    html = secretariat_client.get(url).get_data(as_text=True)
    assert (
        "The representatives agreed by consensus that the issues of highest priority "
        "are A; other issues of high priority are B and C." in html
    )
    assert "Argentina" not in html.split("Adoption")[1]  # secret: no names
