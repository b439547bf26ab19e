import pytest
import sqlalchemy as sa

from tests import factories
from voting.models import AuditEntry, Ballot, localized


def test_one_ballot_per_participant_and_round(app, db):
    poll = factories.make_poll()
    participant = factories.make_participant(poll.event)
    round_ = poll.rounds[0]
    factories.make_ballot(round_, participant, [[poll.options[0].id]])
    with pytest.raises(sa.exc.IntegrityError):
        factories.make_ballot(round_, participant, [[poll.options[1].id]])
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Ballot.id))) == 1


def test_ballot_ranking_round_trips_as_tiers(app, db):
    poll = factories.make_poll()
    participant = factories.make_participant(poll.event)
    a, b, c = (o.id for o in poll.options)
    ballot = factories.make_ballot(poll.rounds[0], participant, [[a], [b, c]])
    db.session.expire_all()
    assert db.session.get(Ballot, ballot.id).ranking == [[a], [b, c]]


def test_audit_entries_are_append_only(app, db):
    entry = AuditEntry(actor="cli", action="test")
    db.session.add(entry)
    db.session.commit()
    entry.action = "tampered"
    with pytest.raises(ValueError, match="append-only"):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEntry, entry.id))
    with pytest.raises(ValueError, match="append-only"):
        db.session.commit()


def test_personal_token_is_stored_hashed(app, db):
    event = factories.make_event()
    participant = factories.make_participant(event)
    assert participant.token not in participant.token_hash
    old_hash = participant.token_hash
    participant.issue_token()
    assert participant.token_hash != old_hash


def test_localized_falls_back_to_the_event_language():
    texts = {"es": "Armonización", "en": "Harmonization"}
    assert localized(texts, "en", "es") == "Harmonization"
    assert localized(texts, "fr", "es") == "Armonización"
    assert localized({"en": "Only"}, "fr", "es") == "Only"
    assert localized({}, "fr", "es") == ""
