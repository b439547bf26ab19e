"""A result that explains itself: the sentences, on the projector and in the record."""

from html import unescape
from types import SimpleNamespace

import pytest
from flask_babel import force_locale

from tests import factories
from tests.app.test_exports import pdf_text
from tests.unit.test_explain import CYCLE, demo_profile, profile
from voting import ballots, exports, presentation, rounds, simulation
from voting.aggregation import tally
from voting.errors import UserError
from voting.extensions import db
from voting.presentation import explain

NAMES = {"A": "Alpha", "B": "Beta", "C": "Gamma"}
LANGS = ("es", "en", "pt", "fr")


def said(p, method, top_k=1, names=NAMES, lang="en", **kwargs):
    result = SimpleNamespace(tally=tally(p, method, **kwargs), profile=p)
    return explain.sentences(result, names, top_k, lang)


def test_condorcet_winner_sentence(app):
    p = profile([("ABC", 3), ("BAC", 2), ("CAB", 1)])
    lines = said(p, "schulze")
    assert lines[0] == (
        "Alpha beats every other option head to head (Condorcet winner)."
    )
    # The cut: Alpha beats Beta 4 to 2, two ballots changing sides reverse it.
    assert lines[1] == (
        "Head to head, Alpha (place 1) beats Beta by 4 votes to 2; 2 ballots "
        "changing sides would reverse that contest."
    )
    assert said(p, "schulze", lang="es")[0] == (
        "Alpha vence a cada una de las demás opciones en el enfrentamiento "
        "directo (ganador de Condorcet)."
    )


def test_condorcet_winner_the_borda_count_passes_over(app):
    p = profile([("ABC", 3), ("BCA", 2)])
    assert said(p, "borda")[0] == (
        "Alpha beats every other option head to head (Condorcet winner), but "
        "Borda count puts Beta first."
    )


def test_three_way_cycle_sentence(app):
    p = profile(CYCLE)
    assert said(p, "schulze")[0] == (
        "Alpha beats Beta, Beta beats Gamma, Gamma beats Alpha; Schulze breaks "
        "the cycle at its weakest link, Gamma over Alpha by 5 votes to 4."
    )
    assert said(p, "copeland")[0] == (
        "Alpha beats Beta, Beta beats Gamma, Gamma beats Alpha: no option beats "
        "every other head to head."
    )
    # The method is named in the sentence's language, as in the record's title.
    assert said(p, "ranked_pairs", lang="fr")[0].startswith(
        "Alpha bat Beta, Beta bat Gamma, Gamma bat Alpha ; Paires classées "
        "(Ranked Pairs) rompt"
    )


@pytest.mark.parametrize(
    ("method", "reason"),
    [
        ("schulze", "neither has a stronger chain of majorities over the other"),
        ("ranked_pairs", "their order depends on which of equal majorities"),
        ("copeland", "they win the same number of head-to-head contests (0.5)"),
        ("borda", "they have the same Borda points (2)"),
        ("irv", "they had the same number of votes in the count that decided"),
        ("kemeny", "rankings that fit the ballots equally well"),
        ("mean_rank", "they have the same mean rank (1.5)"),
    ],
)
def test_a_tie_under_each_method(app, method, reason):
    p = profile([("AB", 2), ("BA", 2)], options="AB")
    lines = said(p, method)
    assert len(lines) == 1
    assert lines[0].startswith(f"Alpha and Beta share place 1 because {reason}")
    assert lines[0].endswith("no tie-break is declared, so they stay tied.")
    for lang in ("es", "pt", "fr"):
        assert said(p, method, lang=lang)[0] != lines[0]


def test_declared_tie_break_sentences(app):
    p = profile([("ABC", 2), ("BCA", 2)])
    line = said(p, "schulze", tie_break="borda", seed=7)[-1]
    assert line == (
        "Alpha and Beta tie under Schulze because neither has a stronger chain "
        "of majorities over the other; the declared tie-break orders them by "
        "Borda points: Beta › Alpha."
    )
    p = profile([("AB", 2), ("BA", 2)], options="AB")
    line = said(p, "borda", tie_break="borda", seed=3)[0]
    assert "by a draw with the public seed 3" in line


def test_borda_cut_sentence(app):
    # Alpha 9 points, Beta 6: one ballot moving Beta up and Alpha down swings
    # at most 3, which only draws level; two are needed.
    p = profile([("ABC", 4), ("BAC", 1)])
    assert said(p, "borda")[-1] == (
        "Changing 2 ballots could lift Beta above Alpha, across the top-1 cut; "
        "no fewer could."
    )


def test_demo_seminar_sentences(app):
    p, top_k = demo_profile()
    names = {
        "sme": "SME participation",
        "training": "Training",
        "harmonization": "Harmonization",
        "integration": "Integration",
        "ppp": "PPP",
    }
    assert said(p, "schulze", top_k, names) == [
        "SME participation beats every other option head to head (Condorcet winner).",
        "Head to head, Training (place 2) beats Harmonization by 38 votes to 0; "
        "20 ballots changing sides would reverse that contest.",
    ]


def test_words_for_the_room(app):
    with force_locale("en"):
        assert explain.short_title("Professional development and training") == (
            "Professional…"
        )
        assert explain.short_title("Harmonization") == "Harmonization"
        assert explain.change_arrow(0) == ("→", "unchanged")
        assert explain.change_arrow(2) == ("▲ 2", "up 2 places")
        assert explain.change_arrow(-1) == ("▼ 1", "down 1 place")
        assert explain.bar_words("schulze", 3, (2, 0), 4, 3) == (
            2,
            "wins 2 of 4 head-to-head",
        )
        assert explain.bar_words("copeland", 2.5, (2, 1), 4, 3) == (
            2.5,
            "wins 2 and draws 1 of 4 head-to-head",
        )
        assert explain.bar_words("borda", 12.5, (0, 0), 4, 0)[1] == "12.5 points"
        assert explain.bar_words("irv", 2, (0, 0), 4, 4)[1] == "eliminated in round 2"
        assert explain.bar_words("irv", 4, (0, 0), 4, 4)[1] == "not eliminated"


# -- through the app: the projector and the record ------------------------------


@pytest.fixture
def demo_closed(app, demo):
    """The demo's first workshop, simulated ballots, round closed."""
    poll = demo.polls[0]
    simulation.simulate_votes(poll.rounds[0], 20, "test", seed=5)
    rounds.close_round(poll.rounds[0].id, "test")
    db.session.refresh(poll)
    return poll


def test_projector_shows_the_explanation(client, demo_closed):
    poll = demo_closed
    with force_locale("en"):
        expected = presentation.build(poll, "en").explanation
    assert expected
    html = unescape(
        client.get(
            f"/display/{poll.display_token}", headers={"Accept-Language": "en"}
        ).get_data(True)
    )
    assert 'class="explanation"' in html
    for line in expected:
        assert line in html


def test_record_carries_the_same_sentences_in_every_language(demo_closed):
    poll = demo_closed
    round_ = poll.rounds[0]
    for lang in LANGS:
        with force_locale(lang):
            view = presentation.build(poll, lang, round_)
        assert view.explanation
        html = unescape(exports.export_round(round_, "html", lang).read().decode())
        text = pdf_text(exports.export_round(round_, "pdf", lang).read())
        heading = {"es": "Explicación", "en": "Explanation", "pt": "Explicação"}
        assert heading.get(lang, "Explication") in html
        for line in view.explanation:
            assert line in html
            assert " ".join(line.split()) in text


def test_round_two_shows_arrows_with_spoken_labels_never_equals(client, app):
    poll = factories.make_poll(options=("Alpha", "Beta", "Gamma"))
    delegations = factories.make_delegations(poll.event)
    voters = [
        factories.make_participant(poll.event, delegations[i % 3]) for i in range(5)
    ]
    ids = [o.id for o in poll.options]
    for voter in voters:
        ballots.cast(voter, poll.rounds[0].id, [[ids[0]], [ids[1]], [ids[2]]])
    rounds.close_round(poll.rounds[0].id, "test")
    second = rounds.next_round(poll.rounds[0].id, "test")
    db.session.refresh(poll)
    for voter in voters:  # Gamma and Alpha swap, Beta stays second
        ballots.cast(voter, second.id, [[ids[2]], [ids[1]], [ids[0]]])
    rounds.close_round(second.id, "test")
    html = client.get(
        f"/display/{poll.display_token}", headers={"Accept-Language": "en"}
    ).get_data(True)
    assert 'role="img" aria-label="up 2 places"' in html and "▲ 2" in html
    assert 'aria-label="down 2 places"' in html and "▼ 2" in html
    assert 'aria-label="unchanged"' in html and "→" in html
    assert 'class="change same"' in html
    change_spans = html.split('class="change ')[1:]
    assert all(
        "</span>" in s and "=" not in s.split("</span>")[0].split(">", 1)[1]
        for s in change_spans
    )


def test_secret_round_below_the_minimum_explains_nothing(client, app):
    poll = factories.make_poll(options=("Alpha", "Beta", "Gamma"))
    assert poll.secret
    voter = factories.make_participant(
        poll.event, factories.make_delegations(poll.event)[0]
    )
    ids = [o.id for o in poll.options]
    ballots.cast(voter, poll.rounds[0].id, [[ids[0]], [ids[1]], [ids[2]]])
    rounds.close_round(poll.rounds[0].id, "test")
    html = client.get(
        f"/display/{poll.display_token}", headers={"Accept-Language": "en"}
    ).get_data(True)
    assert "Condorcet" not in html and 'class="explanation"' not in html
    with pytest.raises(UserError):  # nor does the record exist
        exports.export_round(poll.rounds[0], "html", "en")
    with force_locale("en"):
        assert presentation.build(poll, "en").explanation == []


@pytest.mark.parametrize(
    ("method", "words"),
    [
        ("schulze", ["wins 2 of 2 head-to-head", "wins 1 of 2 head-to-head"]),
        ("copeland", ["wins 0 of 2 head-to-head"]),
        ("borda", ["10 points", "5 points", "0 points"]),
        ("irv", ["not eliminated", "eliminated in round 1"]),
    ],
)
def test_live_bars_are_labelled_in_the_methods_terms(client, app, method, words):
    poll = factories.make_poll(options=("Alpha", "Beta", "Gamma"), method=method)
    delegations = factories.make_delegations(poll.event)
    ids = [o.id for o in poll.options]
    for i in range(5):
        voter = factories.make_participant(poll.event, delegations[i % 3])
        ballots.cast(voter, poll.rounds[0].id, [[ids[0]], [ids[1]], [ids[2]]])
    html = client.get(
        f"/display/{poll.display_token}", headers={"Accept-Language": "en"}
    ).get_data(True)
    for text in words:  # beside each row of the live list
        assert f'<span class="score">{text}</span>' in html
    assert "number of options beaten by strongest paths" not in html


def test_matrix_follows_the_priority_list_with_short_names(client, app):
    titles = ("Public-private partnerships", "Harmonization", "Professional training")
    poll = factories.make_poll(options=titles)
    delegations = factories.make_delegations(poll.event)
    ids = [o.id for o in poll.options]
    for i in range(5):  # the list is the reverse of the entry order
        voter = factories.make_participant(poll.event, delegations[i % 3])
        ballots.cast(voter, poll.rounds[0].id, [[ids[2]], [ids[1]], [ids[0]]])
    rounds.close_round(poll.rounds[0].id, "test")
    html = client.get(
        f"/display/{poll.display_token}", headers={"Accept-Language": "en"}
    ).get_data(True)
    matrix = html[html.index("Share of ballots ranking the row option") :]
    rows = [
        part.split("</text>")[0].rsplit(">", 1)[1]
        for part in matrix.split('text-anchor="end"')[1:]
    ]
    assert rows == ["Professional…", "Harmonization", "Public-private…"]
    assert 'class="legend"' not in html  # no footnote of names any more


def test_plenary_explains_its_tie(client, demo):
    import sqlalchemy as sa

    from voting.models import Participant, Poll

    polls = db.session.scalars(sa.select(Poll).order_by(Poll.id)).all()
    workshop_polls, plenary = polls[:2], polls[2]
    participants = db.session.scalars(sa.select(Participant)).all()
    for poll, first in zip(workshop_polls, ["sme", "ppp"], strict=True):
        ids = {o.key: o.id for o in poll.options}
        order = [first] + [k for k in ids if k != first]
        for p in participants:
            if p.workshop_id == poll.workshop_id:
                ballots.cast(p, poll.rounds[0].id, [[ids[k]] for k in order])
        rounds.close_round(poll.rounds[0].id, "test")
    html = unescape(
        client.get(
            f"/display/{plenary.display_token}/plenary",
            headers={"Accept-Language": "en"},
        ).get_data(True)
    )
    # 19 delegates put sme above ppp, 19 the reverse: they share place 1.
    assert 'class="explanation"' in html
    assert (
        "Competitive SME participation in e-government procurement and "
        "Public-private partnerships share place 1 because neither has a "
        "stronger chain of majorities over the other; no tie-break is declared"
    ) in html


def test_condorcet_winner_outside_a_shared_first_place(app):
    # A beats every other option head to head, but on Borda points A has 12
    # and B and C share the first place with 13.
    p = profile([("ABCD", 3), ("CDAB", 1), ("BACD", 1), ("CBDA", 2)], options="ABCD")
    assert sorted(tally(p, "borda").ranking[0]) == ["B", "C"]
    names = {**NAMES, "D": "Delta"}
    assert said(p, "borda", names=names)[0] == (
        "Alpha beats every other option head to head (Condorcet winner), but "
        "Borda count puts Beta and Gamma first."
    )
