"""Badges printed twice keep working; reissuing is its own, confirmed action.

Issue 14, defect 6: the HTML sheet's links answered 404 once the PDF of the
same people was issued.
"""

import io
import re

import pypdf
import sqlalchemy as sa

from tests import factories
from voting.extensions import db
from voting.models import AuditEntry, Delegation, Participant, hash_token


def people_of(fac):
    workshop = factories.make_workshop(facilitators=[fac.account])
    factories.make_poll(workshop)
    event = workshop.event
    chile = Delegation(event=event, code="CHL", name="Chile")
    db.session.add(chile)
    people = []
    for name, lang in (("Ana Pérez", "fr"), ("Luis Soto", "pt")):
        person = Participant(
            event=event,
            delegation=chile,
            workshop_id=workshop.id,
            name=name,
            language=lang,
        )
        db.session.add(person)
        people.append(person)
    db.session.commit()
    return event, workshop, people


def print_badges(fac, event, people, fmt, **extra):
    return fac.post(
        f"/console/events/{event.id}/badges",
        data={"participants": [p.id for p in people], "format": fmt, **extra},
    )


def html_links(response):
    return re.findall(r"http://[^/\s]+(/j/[A-Za-z0-9_-]+)", response.get_data(True))


def pdf_links(response):
    reader = pypdf.PdfReader(io.BytesIO(response.data))
    text = " ".join(page.extract_text() for page in reader.pages)
    return re.findall(r"(/j/[A-Za-z0-9_-]{32})", "".join(text.split()))


def test_html_links_still_work_after_the_pdf_of_the_same_people(app, fac):
    event, _workshop, people = people_of(fac)
    sheet = print_badges(fac, event, people, "html")
    assert sheet.status_code == 200
    first = html_links(sheet)
    assert len(set(first)) == 2
    pdf = print_badges(fac, event, people, "pdf")
    assert pdf.status_code == 200
    assert sorted(pdf_links(pdf)) == sorted(first)
    again = print_badges(fac, event, people, "html")
    assert sorted(html_links(again)) == sorted(first)
    for path in first:
        phone = app.test_client()
        assert phone.get(path).status_code == 302  # the link signs the delegate in


def test_badges_carry_workshop_and_language(fac):
    event, workshop, people = people_of(fac)
    page = print_badges(fac, event, people, "html").get_data(True)
    assert 'class="workshop">Workshop<' in page
    assert "Français" in page and "Português" in page
    reader = pypdf.PdfReader(io.BytesIO(print_badges(fac, event, people, "pdf").data))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Workshop" in text and "Français" in text and "Português" in text


def test_reissue_asks_first_then_replaces_the_links(app, fac):
    event, _workshop, people = people_of(fac)
    first = html_links(print_badges(fac, event, people, "html"))
    hashes = {p.id: p.token_hash for p in people}
    confirm = print_badges(fac, event, people, "html", reissue="1")
    assert confirm.status_code == 200
    page = confirm.get_data(True)
    assert "stop working" in page and 'name="confirmed" value="1"' in page
    for person in people:
        db.session.refresh(person)
        assert person.token_hash == hashes[person.id]  # nothing changed yet
    done = print_badges(fac, event, people, "html", reissue="1", confirmed="1")
    assert done.status_code == 200
    new = html_links(done)
    assert set(new).isdisjoint(first)
    for person in people:
        db.session.refresh(person)
    assert {hash_token(p.split("/")[-1]) for p in new} == {p.token_hash for p in people}
    assert app.test_client().get(first[0]).status_code == 404
    entry = db.session.scalars(
        sa.select(AuditEntry)
        .filter_by(action="badges_issued")
        .order_by(AuditEntry.id.desc())
    ).first()
    assert entry.details["reissue"] is True
    assert sorted(entry.details["new_links"]) == sorted(p.id for p in people)


def test_a_link_from_before_salts_gets_a_new_one_once(fac):
    """A token without a salt cannot be printed again: the first print
    issues a reprintable one, the next prints reuse it."""
    event, _workshop, people = people_of(fac)
    for person in people:
        person.issue_token()
        person.token_salt = None
    db.session.commit()
    first = html_links(print_badges(fac, event, people, "html"))
    assert sorted(pdf_links(print_badges(fac, event, people, "pdf"))) == sorted(first)
