"""After sign-in each role lands on its own home, and the header links to it.

Issue 14, defect 7: staff landed on the public home page, with no link to
/console or /secretariat.
"""

import pytest

from tests import factories


@pytest.mark.parametrize(
    ("role", "home", "links", "not_links"),
    [
        ("facilitator", "/console/", ["/console/"], ["/secretariat/"]),
        ("secretariat", "/secretariat/", ["/secretariat/"], ['href="/console/"']),
        ("admin", "/console/", ["/console/", "/secretariat/"], []),
    ],
)
def test_each_role_lands_on_its_home_and_the_header_links_to_it(
    app, client, role, home, links, not_links
):
    account = factories.make_account(role=role)
    response = factories.login(client, account)
    assert response.status_code == 302
    assert response.headers["Location"] == home
    page = client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    header = page[page.index('<header class="top">') : page.index("</header>")]
    for link in links:
        assert f'href="{link}"' in header
    for link in not_links:
        assert link not in header
    assert "Console" in header or "Secrétariat" in header


def test_the_header_has_no_staff_links_for_visitors(client):
    page = client.get("/").get_data(as_text=True)
    header = page[page.index('<header class="top">') : page.index("</header>")]
    assert "/console/" not in header and "/secretariat/" not in header
