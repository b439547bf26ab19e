"""After sign-in and after a language switch, a redirect stays on this site."""

import pytest

from tests import factories

OFF_SITE = [
    "//evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "https://evil.example/",
    "evil.example",
    "",
]


@pytest.mark.parametrize("target", OFF_SITE)
def test_sign_in_never_redirects_off_site(app, client, target):
    account = factories.make_account()
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"email": account.email, "password": factories.PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/console/"  # the facilitator's home


def test_an_encoded_tab_in_the_link_does_not_open_a_redirect(app, client):
    """``/login?next=/%09/evil.example`` was answered ``Location: //evil.example``."""
    account = factories.make_account()
    response = client.post(
        "/login?next=/%09/evil.example",
        data={"email": account.email, "password": factories.PASSWORD},
    )
    assert response.headers["Location"] == "/console/"


def test_sign_in_goes_back_to_the_page_asked_for(app, client):
    account = factories.make_account()
    response = client.post(
        "/login?next=/console/%3Fx%3D1",
        data={"email": account.email, "password": factories.PASSWORD},
    )
    assert response.headers["Location"] == "/console/?x=1"


@pytest.mark.parametrize("target", OFF_SITE)
def test_the_language_switch_never_redirects_off_site(app, client, target):
    response = client.post("/lang", data={"lang": "en", "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_the_language_switch_goes_back_to_the_page(app, client):
    response = client.post("/lang", data={"lang": "pt", "next": "/receipt"})
    assert response.headers["Location"] == "/receipt"
