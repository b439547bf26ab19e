"""Bad input through the ballot endpoint and the forms (OWASP ASVS V1/V2 input).

A Hypothesis test posts 10,000 generated payloads to the ballot endpoint:
JSON of random shapes, huge and negative numbers, strings, nested lists,
invalid UTF-8, wrong content types, duplicates, unknown ids, odd
Idempotency-Keys. Only 2xx and 4xx may come back, and the stored ballot is
always a valid ranking of the poll. Then: oversized bodies (413), unknown
locales (400), huge strings in forms (4xx, nothing stored), absurd ids.
"""

from __future__ import annotations

import json
import os
import time

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import factories
from voting.extensions import db
from voting.models import Ballot, ConsentAnswer, Participant

EXAMPLES = 10_000
#: Payloads per Hypothesis example: drawing a batch costs far less than running
#: the engine once per payload (10,000 single examples took 84 s here).
BATCH = 10


def row_counts() -> dict[str, int]:
    db.session.expire_all()
    return {
        table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


# --- the ballot endpoint under 10,000 generated payloads ------------------------------


def payloads(option_ids: list[int], foreign_ids: list[int]):
    """(body bytes, content type, Idempotency-Key) of every kind of request.

    Kept cheap to draw (small recursive shapes, short texts): the budget is
    10,000 requests in well under a minute.
    """
    numbers = st.one_of(
        st.sampled_from(option_ids),  # real options (valid rankings happen)
        st.sampled_from(foreign_ids),  # another poll's options
        st.integers(min_value=-(2**80), max_value=2**80),
        st.sampled_from([0, -1, 2**31, 2**63, 2**64 + 1, 10**400]),
        st.floats(),
        st.booleans(),
        st.none(),
        st.text(max_size=8),
    )
    scalars = (
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8)
    )
    anything = st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=4)
            | st.dictionaries(st.text(max_size=6), inner, max_size=3)
        ),
        max_leaves=8,
    )
    tiers = st.lists(st.one_of(st.lists(numbers, max_size=4), numbers), max_size=5)
    valid = st.permutations(option_ids).flatmap(
        lambda ids: st.integers(1, len(ids)).map(lambda k: [[i] for i in ids[:k]])
    )
    valid_shaped = st.lists(
        st.lists(st.sampled_from(option_ids), min_size=1, max_size=3),
        min_size=1,
        max_size=4,
    )  # right shape: valid, or ties and duplicates
    rankings = st.one_of(valid, valid_shaped, tiers, anything)
    documents = st.one_of(
        st.fixed_dictionaries({"ranking": rankings}),
        st.fixed_dictionaries(
            {"ranking": rankings}, optional={"extra": anything, "round": numbers}
        ),
        anything,
    )
    json_bodies = documents.map(lambda doc: json.dumps(doc).encode())
    bodies = st.one_of(
        json_bodies,
        json_bodies,
        json_bodies.map(lambda b: b[: len(b) // 2]),  # cut short
        json_bodies.map(lambda b: b.replace(b'"', b"\xff", 1)),  # invalid UTF-8
        st.binary(max_size=64),
        st.integers(1, 3000).map(lambda n: b"[" * n + b"]" * n),  # deep nesting
    )
    content_types = st.sampled_from(
        [
            "application/json",
            "application/json",
            "application/json",
            "application/json; charset=latin-1",
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            None,
        ]
    )
    keys = st.one_of(
        st.none(),
        st.none(),
        st.text(st.sampled_from("ab-_~ Z9\t"), max_size=100),
    )
    return st.tuples(bodies, content_types, keys)


def valid_ranking(ranking, poll) -> bool:
    """An independent check of a stored ranking: tiers of distinct option ids."""
    known = {o.id for o in poll.options}
    if not isinstance(ranking, list) or not ranking:
        return False
    seen = []
    for tier in ranking:
        if not isinstance(tier, list) or not tier:
            return False
        if len(tier) > 1 and not poll.allow_ties:
            return False
        for option_id in tier:
            if type(option_id) is not int or option_id not in known:
                return False
            seen.append(option_id)
    if len(seen) != len(set(seen)):
        return False
    return poll.allow_unranked or set(seen) == known


@pytest.fixture
def memory_app(request):
    """The testing app on an in-memory SQLite database (PostgreSQL if asked).

    Half the time per request of a database file with synchronous=FULL: the
    10,000 requests below stay within their minute.
    """
    if os.environ.get("TEST_DATABASE_URL"):
        yield request.getfixturevalue("app")
        return
    yield request.getfixturevalue("make_app")(SQLALCHEMY_DATABASE_URI="sqlite://")


@pytest.mark.slow
def test_the_ballot_endpoint_survives_10000_generated_payloads(memory_app):
    world = factories.make_world()
    delegate = memory_app.test_client()
    assert delegate.get(f"/j/{world.d1.token}").status_code == 302
    poll = world.open_poll
    round_id = poll.rounds[0].id
    url = f"/api/rounds/{round_id}/ballot"
    option_ids = [o.id for o in poll.options]
    foreign = [o.id for o in world.other_poll.options + world.closed_poll.options]
    seen: dict[int, int] = {}

    @settings(
        max_examples=EXAMPLES // BATCH,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.lists(payloads(option_ids, foreign), min_size=BATCH, max_size=BATCH))
    def run(batch):
        for body, content_type, key in batch:
            headers = {"Idempotency-Key": key} if key is not None else {}
            response = delegate.post(
                url, data=body, content_type=content_type, headers=headers
            )
            status = response.status_code
            seen[status] = seen.get(status, 0) + 1
            assert 200 <= status < 300 or 400 <= status < 500, (status, body[:200])
            assert response.is_json and response.json, status
            if status < 300:
                assert valid_ranking(response.json["ranking"], poll)

    started = time.monotonic()
    run()
    elapsed = time.monotonic() - started
    ballot = db.session.scalar(
        sa.select(Ballot).filter_by(round_id=round_id, participant_id=world.d1.id)
    )
    db.session.refresh(ballot)
    assert valid_ranking(ballot.ranking, poll)
    assert sum(seen.values()) >= EXAMPLES * 0.9
    assert seen.get(200, 0) >= 20 and seen.get(400, 0) >= 1000, seen
    # One ballot of d1's in the round, whatever was sent.
    count = db.session.scalar(
        sa.select(sa.func.count()).select_from(Ballot).filter_by(round_id=round_id)
    )
    assert count == 1
    print(f"\n{sum(seen.values())} payloads in {elapsed:.1f} s: {sorted(seen.items())}")


@pytest.mark.parametrize(
    "ranking",
    [
        [[1], [1]],  # duplicate across tiers
        [[1, 1]],  # duplicate in a tier
        [[999999]],  # unknown id
        [[-1]],
        [[2**63]],
        [[2**200]],
        [[True]],  # a boolean is not option 1
        [[1.0]],
        [["1"]],
        [[None]],
        [[[1]]],  # nested one level too deep
        [1, 2, 3],  # not tiers
        [],
        [[]],
        {"1": 1},
        "1>2>3",
        None,
    ],
)
def test_malformed_rankings_are_refused_and_nothing_changes(
    app, world, delegate, ranking
):
    url = f"/api/rounds/{world.open_poll.rounds[0].id}/ballot"
    ids = {o.id for o in world.open_poll.options}
    # Option "1" of the poll, whatever its real id is.
    first = min(ids)
    text = json.dumps({"ranking": ranking}).replace("[1", f"[{first}")
    before = row_counts()
    response = delegate.post(url, data=text, content_type="application/json")
    assert response.status_code == 400, text
    assert response.json["message"]
    assert row_counts() == before


def test_another_polls_options_are_refused(app, world, delegate):
    url = f"/api/rounds/{world.open_poll.rounds[0].id}/ballot"
    foreign = [[o.id] for o in world.other_poll.options]
    before = row_counts()
    assert delegate.post(url, json={"ranking": foreign}).status_code == 400
    assert row_counts() == before


# --- sizes --------------------------------------------------------------------------


def test_oversized_bodies_get_413_and_nothing_is_stored(app, world, delegate):
    too_big = app.config["MAX_CONTENT_LENGTH"] + 1
    url = f"/api/rounds/{world.open_poll.rounds[0].id}/ballot"
    before = row_counts()
    response = delegate.post(url, data=b"[" * too_big, content_type="application/json")
    assert response.status_code == 413 and response.json["message"]
    response = delegate.post(
        "/join",
        data={"code": world.event.join_code, "name": "x" * too_big},
    )
    assert response.status_code == 413
    response = delegate.post(
        f"/vote/{world.open_poll.id}", data={"round": "1", "filler": "x" * too_big}
    )
    assert response.status_code == 413
    assert row_counts() == before


def test_deeply_nested_json_is_a_400_not_a_500(app, world, delegate):
    url = f"/api/rounds/{world.open_poll.rounds[0].id}/ballot"
    for body in (b"[" * 100_000, b'{"ranking":' + b"[" * 50_000 + b"]" * 50_000 + b"}"):
        response = delegate.post(url, data=body, content_type="application/json")
        assert response.status_code == 400 and response.is_json


@pytest.mark.parametrize(
    "lang", ["xx", "", "es-ES", "EN", "../../etc/passwd", "é" * 50]
)
def test_unknown_locales_are_refused(app, client, lang):
    response = client.post("/lang", data={"lang": lang, "next": "/"})
    assert response.status_code == 400
    with client.session_transaction() as session:
        assert "lang" not in session


def test_huge_strings_in_forms_are_refused_and_nothing_is_stored(app, world, delegate):
    huge = "x" * 10_000
    proposal = world.proposal
    before = row_counts()
    answers = row_counts()["consent_answer"]
    cases = [
        (
            "/join",
            {
                "code": world.event.join_code,
                "name": huge,
                "delegation": str(world.delegations[0].id),
            },
        ),
        ("/join", {"code": huge}),
        (f"/vote/consent/{proposal.id}", {"answer": "object", "reason": huge}),
        ("/receipt", {"code": huge}),
    ]
    for url, data in cases:
        response = delegate.post(url, data=data)
        assert 400 <= response.status_code < 500, url
    response = delegate.post(
        f"/api/proposals/{proposal.id}/answer",
        json={"answer": "object", "reason": huge},
    )
    assert 400 <= response.status_code < 500
    response = delegate.post(
        f"/api/rounds/{world.open_poll.rounds[0].id}/ballot",
        json={"ranking": [[world.open_poll.options[0].id]]},
        headers={"Idempotency-Key": huge},
    )
    assert response.status_code == 400
    assert row_counts() == before
    assert answers == db.session.scalar(
        sa.select(sa.func.count()).select_from(ConsentAnswer)
    )


def test_huge_strings_in_console_forms_are_refused(app, world):
    admin = app.test_client()
    factories.login(admin, world.admin)
    huge = "x" * 10_000
    before = row_counts()
    response = admin.post(
        f"/console/events/{world.event.id}/participants/new",
        data={"name": huge, "email": "", "delegation": "", "workshop": ""},
    )
    assert 400 <= response.status_code < 500
    response = admin.post(
        f"/console/events/{world.event.id}/delegations",
        data={"code": huge, "name": huge},
    )
    assert 400 <= response.status_code < 500
    assert row_counts() == before
    names = db.session.scalars(sa.select(Participant.name)).all()
    assert huge not in names


def test_invalid_utf8_in_forms_is_a_4xx_or_handled(app, world, delegate):
    ctype = "application/x-www-form-urlencoded"
    for url, body in (
        ("/join", b"code=%FF%FE&name=%C3%28&delegation=1"),
        ("/lang", b"lang=%FF"),
        ("/receipt", b"code=%ED%A0%80"),
        (f"/vote/{world.open_poll.id}", b"round=%FF&rank-1=%FF"),
    ):
        response = delegate.post(url, data=body, content_type=ctype)
        assert response.status_code < 500, url


# --- gaps found by these tests, fixed in the app --------------------------------


def test_absurd_ids_in_urls_are_404(app, world, delegate):
    for url in (
        "/vote/9223372036854775808",
        "/api/rounds/9223372036854775808/ballot",
        "/vote/receipt/9223372036854775808",
    ):
        assert delegate.get(url).status_code == 404, url


def test_a_superscript_rank_is_a_400(app, world, delegate):
    option = world.open_poll.options[0]
    response = delegate.post(
        f"/vote/{world.open_poll.id}",
        data={"round": str(world.open_poll.rounds[0].id), f"rank-{option.id}": "²"},
    )
    assert response.status_code == 400


def test_an_empty_badge_form_is_a_4xx(app, world):
    admin = app.test_client()
    factories.login(admin, world.admin)
    response = admin.post(f"/console/events/{world.event.id}/badges", data={})
    assert response.status_code in (303, 400)


def test_nul_characters_in_form_text_never_give_a_500(app, world, delegate):
    response = delegate.post(
        f"/vote/consent/{world.proposal.id}",
        data={"answer": "object", "reason": "bad\x00reason"},
    )
    assert response.status_code < 500
    response = delegate.post(
        "/join",
        data={
            "code": world.event.join_code,
            "name": "Nul\x00Name",
            "delegation": str(world.delegations[0].id),
        },
    )
    assert response.status_code < 500


def test_nul_characters_in_json_text_never_give_a_500(app, world, delegate):
    response = delegate.post(
        f"/api/proposals/{world.proposal.id}/answer",
        json={"answer": "object", "reason": "bad\x00reason"},
    )
    assert response.status_code in (200, 400)


# --- one check for every text input (voting.inputs) ---------------------------------

BAD_TEXTS = ["bad\x00reason", "\ud800x", "x\udfff", "no\ufffe", "no\uffff"]


@pytest.mark.parametrize("bad", BAD_TEXTS)
def test_bad_characters_in_json_are_a_translated_400_nothing_stored(
    app, world, delegate, bad
):
    before = row_counts()
    response = delegate.post(
        f"/api/proposals/{world.proposal.id}/answer",
        json={"answer": "object", "reason": bad},
        headers={"Accept-Language": "fr"},
    )
    assert response.status_code == 400
    from flask_babel import force_locale, gettext

    with force_locale("fr"):
        message = gettext(
            "The form contains an invalid character. Nothing was changed."
        )
    assert response.get_json()["message"] == message
    # Nested values and keys are checked too.
    nested = delegate.post(
        f"/api/rounds/{world.open_poll.rounds[0].id}/ballot",
        json={"ranking": [[world.open_poll.options[0].id]], bad: [bad]},
    )
    assert nested.status_code == 400
    assert row_counts() == before


# A form body is URL-encoded UTF-8: a lone surrogate cannot be sent in one.
@pytest.mark.parametrize("bad", ["bad\x00reason", "no\ufffe", "no\uffff"])
def test_bad_characters_in_form_fields_are_a_400(app, world, delegate, bad):
    before = row_counts()
    response = delegate.post(
        f"/vote/consent/{world.proposal.id}", data={"answer": "object", "reason": bad}
    )
    assert response.status_code == 400
    assert row_counts() == before


@pytest.mark.parametrize("bad", ["Nul\x00Name", "Bad\ufffeName", "Bad\uffffName"])
def test_bad_characters_in_an_uploaded_csv_are_a_400_nothing_stored(app, world, bad):
    import io

    admin = app.test_client()
    factories.login(admin, world.admin)
    before = row_counts()
    response = admin.post(
        f"/console/events/{world.event.id}/participants/import",
        data={
            "file": (io.BytesIO(f"Ana;Chile\n{bad};Chile\n".encode()), "p.csv"),
            "workshop": world.workshop.id,
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    from flask_babel import force_locale, gettext

    with force_locale("es"):
        message = gettext(
            "The form contains an invalid character. Nothing was changed."
        )
    assert message in response.get_data(as_text=True)
    assert row_counts() == before
