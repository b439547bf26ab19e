"""The secretariat's page and downloads: who may download, what gets audited."""

import csv
import io

import pytest

from tests.app.test_exports import TITLES, make_room
from voting.extensions import db
from voting.models import AuditEntry


@pytest.fixture
def room(app):
    return make_room()


def urls(poll, round_):
    return [
        "/secretariat/",
        f"/secretariat/rounds/{round_.id}/export.csv",
        f"/secretariat/rounds/{round_.id}/export.xlsx",
        f"/secretariat/rounds/{round_.id}/export.json",
        f"/secretariat/rounds/{round_.id}/export.toi",
        f"/secretariat/rounds/{round_.id}/export.html?lang=es%2Ben",
        f"/secretariat/rounds/{round_.id}/export.pdf?lang=en",
        f"/secretariat/polls/{poll.id}/export.csv",
        f"/secretariat/events/{poll.event_id}/audit.csv",
    ]


def test_anonymous_is_sent_to_login(client, room):
    for url in urls(*room[:2]):
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/login" in response.headers["Location"]


def test_facilitator_gets_403(facilitator_client, room):
    for url in urls(*room[:2]):
        assert facilitator_client.get(url).status_code == 403, url
    assert not db.session.scalars(
        db.select(AuditEntry).filter_by(action="export")
    ).all()


@pytest.mark.parametrize("who", ["secretariat_client", "admin_client"])
def test_secretariat_and_admin_download(request, who, room):
    client = request.getfixturevalue(who)
    for url in urls(*room[:2]):
        response = client.get(url)
        assert response.status_code == 200, url
        response.close()


def test_download_headers_and_audit_entry(secretariat_client, room):
    poll, round_, _ = room
    response = secretariat_client.get(f"/secretariat/rounds/{round_.id}/export.csv")
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert (
        f"poll{poll.id}-round1-priorities.csv"
        in response.headers["Content-Disposition"]
    )
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.data.startswith("\ufeff".encode())
    entry = db.session.scalars(db.select(AuditEntry).filter_by(action="export")).one()
    assert entry.actor == f"account:{secretariat_client.account.id}"
    assert entry.round_id == round_.id
    assert entry.details["format"] == "csv" and entry.details["round"] == 1


def test_record_page_is_inline_and_download_embeds_css(secretariat_client, room):
    round_ = room[1]
    page = secretariat_client.get(
        f"/secretariat/rounds/{round_.id}/export.html?lang=es%2Ben"
    )
    assert page.headers["Content-Disposition"].startswith("inline")
    html = page.get_data(as_text=True)
    assert "/static/css/record.css" in html and "<style>" not in html
    assert TITLES[0]["es"] in html and TITLES[0]["en"] in html
    saved = secretariat_client.get(
        f"/secretariat/rounds/{round_.id}/export.html?lang=en&download=1"
    )
    assert saved.headers["Content-Disposition"].startswith("attachment")
    assert "<style>" in saved.get_data(as_text=True)


def test_bad_requests_are_clear_4xx(secretariat_client, room):
    poll, round_, _ = room
    base = f"/secretariat/rounds/{round_.id}"
    cases = [
        (f"{base}/export.odt", 400),
        (f"{base}/export.html?lang=de", 400),
        (f"{base}/named-ballots.csv", 403),  # a secret poll
        ("/secretariat/rounds/999999/export.csv", 404),
        (f"/secretariat/plenary/{poll.id}/export.csv", 400),  # not a plenary
        (f"{base}/export.weights", 404),  # nobody is weighted
    ]
    for url, status in cases:
        response = secretariat_client.get(url)
        assert response.status_code == status, url


def test_open_round_is_409(secretariat_client, app):
    from tests import factories

    poll = factories.make_poll()
    response = secretariat_client.get(
        f"/secretariat/rounds/{poll.rounds[0].id}/export.csv",
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 409
    assert "Only a closed round can be exported." in response.get_data(as_text=True)


def test_named_ballots_download_for_a_named_poll(secretariat_client, app):
    poll, round_, voters = make_room(secret=False)
    response = secretariat_client.get(
        f"/secretariat/rounds/{round_.id}/named-ballots.csv"
    )
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True)[1:])))
    assert {r["participant"] for r in rows} == {v.name for v in voters}


def test_index_lists_closed_rounds_with_links(secretariat_client, room):
    poll, round_, _ = room
    html = secretariat_client.get("/secretariat/").get_data(as_text=True)
    assert f"/secretariat/rounds/{round_.id}/export.csv" in html
    assert f"/secretariat/rounds/{round_.id}/export.pdf?lang=es%2Ben" in html
    assert f"/secretariat/events/{poll.event_id}/audit.csv" in html
    assert "named-ballots" not in html  # a secret poll


def test_audit_log_lists_rounds_ballots_and_exports(secretariat_client, room):
    poll, round_, _ = room
    secretariat_client.get(f"/secretariat/rounds/{round_.id}/export.json").close()
    url = f"/secretariat/events/{poll.event_id}/audit.csv"
    summary = secretariat_client.get(f"{url}?table=summary").get_data(as_text=True)
    log = secretariat_client.get(url).get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(summary.lstrip("\ufeff"))))
    assert rows[0]["round_id"] == str(round_.id)
    assert rows[0]["ballots_cast"] == "8" and rows[0]["exports"] == "1"
    assert rows[0]["status"] == "closed" and rows[0]["closed_at"]
    entries = list(csv.DictReader(io.StringIO(log.lstrip("\ufeff"))))
    actions = [e["action"] for e in entries]
    assert actions.count("ballot_cast") == 8 and "round_closed" in actions
    export = [e for e in entries if e["action"] == "export"][0]
    assert export["account"] == secretariat_client.account.email
    assert '"format": "json"' in export["details"]
    assert {e["actor"] for e in entries if e["action"] == "ballot_cast"} == {
        "participant"
    }


def test_every_export_names_its_charset_once(secretariat_client, room):
    """Text formats say ``charset=utf-8`` exactly once; binary ones not at all."""
    poll, round_, _ = room
    expected = {
        f"/secretariat/rounds/{round_.id}/export.csv": "text/csv; charset=utf-8",
        f"/secretariat/rounds/{round_.id}/export.xlsx": (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        ),
        f"/secretariat/rounds/{round_.id}/export.json": "application/json",
        f"/secretariat/rounds/{round_.id}/export.toi": "text/plain; charset=utf-8",
        f"/secretariat/rounds/{round_.id}/export.preflib": "text/plain; charset=utf-8",
        f"/secretariat/rounds/{round_.id}/export.html?lang=en": (
            "text/html; charset=utf-8"
        ),
        f"/secretariat/rounds/{round_.id}/export.html?lang=en&download=1": (
            "text/html; charset=utf-8"
        ),
        f"/secretariat/rounds/{round_.id}/export.pdf?lang=en": "application/pdf",
        f"/secretariat/rounds/{round_.id}/export.docx?lang=en": (
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        ),
        f"/secretariat/polls/{poll.id}/export.csv": "text/csv; charset=utf-8",
        f"/secretariat/events/{poll.event_id}/audit.csv": "text/csv; charset=utf-8",
    }
    for url, content_type in expected.items():
        response = secretariat_client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Content-Type"] == content_type, url
        assert response.headers["Content-Type"].count("charset") <= 1, url
        response.close()
