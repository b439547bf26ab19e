import pytest
from flask import abort

from tests import factories

ERRORS = [400, 403, 404, 405, 409, 413, 429, 500]


def test_home_lists_the_demo_event(client, demo):
    html = client.get("/", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "III Seminario Interamericano en E-Compras Gubernamentales" in html
    assert "Mesa 1" in html
    html = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "III Inter-American Seminar on E-Government Procurement" in html


def test_pages_are_mobile_first_and_self_hosted(client):
    html = client.get("/").get_data(as_text=True)
    assert (
        '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    )
    assert "http://" not in html and "https://" not in html
    with client.get("/static/css/app.css") as response:
        assert response.status_code == 200


@pytest.fixture
def erroring_app(make_app):
    app = make_app()

    @app.route("/_fail/<int:code>")
    def _fail(code):
        if code == 500:
            raise RuntimeError("boom")
        abort(code)

    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


@pytest.mark.parametrize("code", ERRORS)
@pytest.mark.parametrize("lang,word", [("es", "Error"), ("fr", "Erreur")])
def test_error_pages_are_translated(erroring_app, code, lang, word):
    client = erroring_app.test_client()
    response = client.get(f"/_fail/{code}", headers={"Accept-Language": lang})
    assert response.status_code == code
    html = response.get_data(as_text=True)
    assert f'<html lang="{lang}"' in html
    assert f"{word} {code}" in html


def test_api_errors_are_json(client):
    response = client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.is_json and response.json["error"]


def test_login_and_logout(client, app):
    account = factories.make_account(role="secretariat")
    response = factories.login(client, account)
    assert response.status_code == 302
    html = client.get("/").get_data(as_text=True)
    assert 'action="/logout"' in html
    client.post("/logout")
    assert 'action="/logout"' not in client.get("/").get_data(as_text=True)


def test_wrong_password_is_refused(client, app):
    account = factories.make_account()
    response = factories.login(client, account, password="wrong password")
    assert response.status_code == 401
    assert 'action="/logout"' not in client.get("/").get_data(as_text=True)


def test_csrf_is_enforced_when_enabled(app):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    response = client.post("/lang", data={"lang": "en"})
    assert response.status_code == 400
    html = client.get("/").get_data(as_text=True)
    import re

    token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
    response = client.post("/lang", data={"lang": "en", "csrf_token": token})
    assert response.status_code == 302


def test_lost_database_connection_is_a_translated_503(erroring_app):
    import sqlalchemy as sa

    @erroring_app.route("/_db_down")
    def _db_down():
        raise sa.exc.OperationalError("SELECT 1", {}, Exception("server closed"))

    client = erroring_app.test_client()
    response = client.get("/_db_down", headers={"Accept-Language": "pt"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "2"
    assert '<html lang="pt"' in response.get_data(as_text=True)
    assert client.get("/").status_code == 200  # the next request is served
