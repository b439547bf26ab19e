"""Security headers and cookies (OWASP ASVS V3 and V14).

Strict CSP without inline script or handlers, nosniff, Referrer-Policy,
``no-store`` on personal and result pages, HSTS over HTTPS, production
cookies (HttpOnly, SameSite=Lax, Secure, ``__Host-``), session rotation on
join and login, revocation by a reissued link, modern password hashes.
"""

from html.parser import HTMLParser
from pathlib import Path

import pytest

from config import BASE_DIR
from tests import factories
from voting import create_app
from voting.extensions import db
from voting.models import Participant

REQUIRED_CSP = {
    "default-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}
#: The whole policy: nothing else is needed (no data: images, no inline code).
CSP = (
    "default-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
#: Sources a directive may list at all.
ALLOWED_SOURCES = {"'self'", "'none'"}


def csp_directives(value: str) -> dict[str, str]:
    directives = {}
    for part in value.split(";"):
        name, _sep, sources = part.strip().partition(" ")
        if name:
            assert name not in directives, f"{name} given twice"
            directives[name] = " ".join(sources.split())
    return directives


@pytest.fixture
def admin(app, world):
    client = app.test_client()
    factories.login(client, world.admin)
    return client


# --- CSP and friends ---------------------------------------------------------


def test_csp_is_strict_and_complete(client):
    response = client.get("/")
    directives = csp_directives(response.headers["Content-Security-Policy"])
    for name, sources in REQUIRED_CSP.items():
        assert directives.get(name) == sources, name
    value = response.headers["Content-Security-Policy"]
    assert value == CSP
    for name, sources in directives.items():
        assert set(sources.split()) <= ALLOWED_SOURCES, (name, sources)
    assert "unsafe" not in value


def test_headers_on_errors_and_static_files_too(client):
    for url in ("/no-such-page", "/static/css/app.css", "/api/rounds/1/ballot"):
        response = client.get(url)
        response.close()
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] in {
            "no-referrer",
            "same-origin",
            "strict-origin",
            "strict-origin-when-cross-origin",
        }


class InlineCode(HTMLParser):
    """Collects what a strict CSP would block: inline script, handlers, styles."""

    def __init__(self):
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = {name.lower(): value for name, value in attrs}
        if tag == "script" and not names.get("src"):
            self.problems.append("inline <script>")
        if tag == "style":
            self.problems.append("inline <style>")
        for name, value in names.items():
            if name.startswith("on"):
                self.problems.append(f"handler {name}= on <{tag}>")
            if name == "style":
                self.problems.append(f"style= on <{tag}>")
            if (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"javascript: URL in {name}= on <{tag}>")


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    parser.close()
    return parser.problems


def test_the_inline_code_finder_finds_inline_code():
    assert inline_code('<script src="/a.js"></script><p class="x">ok</p>') == []
    assert len(inline_code("<script>alert(1)</script>")) == 1
    assert len(inline_code('<a href="javascript:go()" onclick="x()">')) == 2
    assert len(inline_code('<div style="color: red">')) == 1


def test_no_template_has_inline_script_or_handler():
    templates = sorted(Path(BASE_DIR, "templates").rglob("*.html"))
    assert len(templates) > 20
    for path in templates:
        source = path.read_text(encoding="utf-8")
        problems = [
            p
            for p in inline_code(source)
            # The record's downloadable copy embeds its CSS (a file, not a page).
            if not (path.name == "record.html" and p == "inline <style>")
        ]
        assert problems == [], path


def get_pages(app, world, client):
    """Every GET rule (no static) as this client: (url, response) pairs."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint == "static" or "GET" not in rule.methods:
            continue
        if rule.endpoint == "delegate.link":
            continue  # would switch the client's identity
        url = factories.world_url(world, rule)
        response = client.get(url)
        response.get_data()  # runs streamed exports to the end
        response.close()
        yield url, response


def test_rendered_pages_have_no_inline_code_and_all_headers(
    app, world, admin, delegate
):
    seen = 0
    for client in (admin, delegate):
        for url, response in get_pages(app, world, client):
            # /readyz: 503 on the test schema, which Alembic never stamped
            assert response.status_code < 500 or url == "/readyz", url
            headers = response.headers
            assert headers["Content-Security-Policy"], url
            assert headers["X-Content-Type-Options"] == "nosniff", url
            assert headers["Referrer-Policy"], url
            if response.mimetype == "text/html" and response.status_code == 200:
                inline = "inline" in headers.get("Content-Disposition", "inline")
                if inline:
                    assert inline_code(response.get_data(as_text=True)) == [], url
                    seen += 1
    assert seen >= 25


# --- caching ---------------------------------------------------------------------


def test_personal_and_result_pages_are_never_stored(app, world, admin, delegate):
    open_round = world.open_poll.rounds[0].id
    closed_round = world.closed_poll.rounds[0].id
    token = world.closed_poll.display_token
    pages = [
        (delegate, f"/vote/{world.open_poll.id}"),  # ballot
        (delegate, f"/vote/receipt/{open_round}"),  # receipt
        (delegate, "/vote"),
        (delegate, f"/vote/consent/{world.proposal.id}"),
        (delegate, f"/api/rounds/{open_round}/ballot"),
        (delegate, f"/display/{token}"),  # results on the projector
        (delegate, f"/display/{token}/live"),
        (delegate, f"/api/display/{token}/tally"),
        (admin, f"/console/polls/{world.closed_poll.id}"),  # results in the console
        (admin, f"/secretariat/rounds/{closed_round}/export.csv"),
        (admin, f"/secretariat/rounds/{closed_round}/export.html"),
        (admin, "/secretariat/"),
    ]
    for client, url in pages:
        response = client.get(url)
        response.get_data()
        response.close()
        assert response.status_code == 200, url
        assert "no-store" in response.headers.get("Cache-Control", ""), url


def test_static_files_may_be_cached(client):
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
    response.close()


# --- transport ---------------------------------------------------------------------


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/").headers
    response = client.get("/", base_url="https://vote.example.org")
    hsts = response.headers["Strict-Transport-Security"]
    max_age = int(hsts.split("max-age=")[1].split(";")[0])
    assert max_age >= 31536000


# --- cookies -----------------------------------------------------------------------


@pytest.fixture
def production(make_app):
    """The production configuration (CSRF and rate limits on), over HTTPS."""
    return make_app("production", fresh_g=False, SECRET_KEY="x" * 48)


def csrf_token_of(html: str) -> str:
    return html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def set_cookies(response) -> list[str]:
    return response.headers.getlist("Set-Cookie")


def test_production_session_cookie_is_host_only_secure_httponly_lax(production):
    account = factories.make_account(role="facilitator")
    client = production.test_client()
    base = "https://vote.example.org"
    page = client.get("/login", base_url=base)
    cookies = set_cookies(page)
    assert cookies, "the login form stores its CSRF token in the session"
    response = client.post(
        "/login",
        base_url=base,
        # Flask-WTF checks the Referer of HTTPS posts (WTF_CSRF_SSL_STRICT).
        headers={"Referer": f"{base}/login"},
        data={
            "email": account.email,
            "password": factories.PASSWORD,
            "csrf_token": csrf_token_of(page.get_data(as_text=True)),
        },
    )
    assert response.status_code == 302
    cookies += set_cookies(response)
    for cookie in cookies:
        name, _sep, rest = cookie.partition("=")
        attributes = {a.strip().split("=")[0].lower() for a in rest.split(";")[1:]}
        assert name.startswith("__Host-"), cookie
        assert {"secure", "httponly", "path"} <= attributes, cookie
        assert "domain" not in attributes, cookie
        assert "; Path=/" in cookie and "SameSite=Lax" in cookie, cookie
    assert client.get("/console/", base_url=base).status_code == 200


def test_a_remember_me_cookie_would_be_hardened_too(production):
    with production.test_request_context("/", base_url="https://vote.example.org"):
        from flask import session
        from flask_login import login_user

        account = factories.make_account()
        login_user(account, remember=True)
        response = production.make_response("")
        production.session_interface.save_session(production, session, response)
        production.process_response(response)
    remember = [c for c in set_cookies(response) if "remember" in c]
    assert remember, set_cookies(response)
    for cookie in remember:
        assert cookie.startswith("__Host-") and "; Secure" in cookie, cookie
        assert "; HttpOnly" in cookie and "SameSite=Lax" in cookie, cookie


def test_development_cookies_are_httponly_and_lax(app, world, client):
    response = client.get(f"/j/{world.d1.token}")
    (cookie,) = set_cookies(response)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_refuses_the_development_secret(tmp_path):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production", {"SECRET_KEY": "dev-only-not-secret"})


# --- sessions ----------------------------------------------------------------------


def plant(client, **values):
    with client.session_transaction() as session:
        session.update(values)
    return client.get_cookie("session").value


def session_of(client) -> dict:
    with client.session_transaction() as session:
        return dict(session)


def test_session_is_rotated_on_login(app, world, client):
    before = plant(client, planted="attacker", participant_id=world.d1.id, lang="en")
    response = factories.login(client, world.fac1)
    assert response.status_code == 302
    assert client.get_cookie("session").value != before
    after = session_of(client)
    assert "planted" not in after and "participant_id" not in after
    assert after["_user_id"] == world.fac1.get_id()  # "<id>:<session epoch>"
    assert after["_user_id"].split(":")[0] == str(world.fac1.id)
    assert after["lang"] == "en"  # the language choice survives


def test_session_is_rotated_on_join_by_link(app, world, admin):
    before = plant(admin, planted="attacker", lang="pt")
    assert admin.get(f"/j/{world.d1.token}").status_code == 302
    assert admin.get_cookie("session").value != before
    after = session_of(admin)
    assert "planted" not in after and "_user_id" not in after  # staff signed out
    assert after["participant_id"] == world.d1.id and after["lang"] == "pt"
    assert admin.get("/console/").status_code == 302  # to the login page


def test_session_is_rotated_on_join_by_code(app, world, delegate):
    before = plant(delegate, planted="attacker")
    response = delegate.post(
        "/join",
        data={
            "code": world.event.join_code,
            "name": "Newcomer",
            "delegation": str(world.delegations[0].id),
        },
    )
    assert response.status_code == 302
    assert delegate.get_cookie("session").value != before
    after = session_of(delegate)
    assert "planted" not in after
    assert after["participant_id"] != world.d1.id and after["via"] == "code"


def test_a_reissued_link_revokes_the_old_session(app, world, delegate):
    assert delegate.get("/vote/language").status_code == 200
    participant = db.session.get(Participant, world.d1.id)
    new_token = participant.issue_token()
    db.session.commit()
    assert delegate.get("/vote/language").status_code == 401
    assert delegate.get(f"/api/rounds/{world.open_poll.rounds[0].id}/ballot").json[
        "error"
    ]
    assert delegate.get(f"/j/{world.d1.token}").status_code == 404  # old link
    assert delegate.get(f"/j/{new_token}").status_code == 302
    assert delegate.get("/vote/language").status_code == 200


def test_staff_passwords_use_a_modern_hash(production):
    # The production configuration: the testing one hashes cheaply on purpose.
    assert "PASSWORD_HASH_METHOD" not in production.config
    account = factories.make_account()
    scheme = account.password_hash.split("$", 1)[0]
    assert factories.PASSWORD not in account.password_hash
    if scheme.startswith("pbkdf2"):
        assert int(scheme.rsplit(":", 1)[1]) >= 600_000
    else:
        assert scheme.startswith("scrypt:")
        n = int(scheme.split(":")[1])
        assert n >= 2**15
