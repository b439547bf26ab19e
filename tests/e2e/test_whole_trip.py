"""Issue 14, "Done when": the whole trip of a new event, in the browser.

The server is the room command (``flask serve-room``, gunicorn) on a
non-default port over a migrated SQLite file, on the LAN address it finds
(loopback only on a machine without one); the phones open the links it
prints (the badges name the same address). A facilitator signs in, creates
an event with two workshops, pastes seven options in two languages, imports
twelve people from a CSV file and prints their badges twice (page, then PDF:
the page's links still open). Round 1: phones vote (three real phones, the
others through the ballot API with their personal links); the console shows
the sixth ballot within 3 s without reload; the round closes on its confirm
page. The result has a tie, kept in the proposal; two delegates of one
country object and the room adopts with the reservations of 1 delegation;
the adoption is re-opened, the list amended and adopted. An accidental round
2 is opened, closed empty and deleted: the plenary and the record are
unchanged. The record's Agreements are the adopted list.
"""

import re
import subprocess
import time
import urllib.request

import pytest
from playwright.sync_api import expect

from tests.app.test_room import FLASK, ROOT, environment, free_port
from tests.e2e.conftest import sign_in
from tests.e2e.test_delegate import PHONE
from voting import links

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

LAPTOP = {"viewport": {"width": 1280, "height": 800}, "locale": "en-US"}
EMAIL, PASSWORD = "facilitadora@trip.example.org", "trip-password-2026"
SECRETARIAT = "secretaria@trip.example.org"
OPTIONS = [
    ("Compras electrónicas", "E-procurement"),
    ("Formación profesional", "Professional training"),
    ("Indicadores de desempeño", "Performance indicators"),
    ("Participación de PYMEs", "SME participation"),
    ("Marco normativo", "Legal framework"),
    ("Datos abiertos", "Open data"),
    ("Compras sostenibles", "Sustainable procurement"),
]
COUNTRIES = ["Chile", "Argentina", "Brasil", "Perú", "México", "Canadá"]
PEOPLE = [(f"Delegada {i + 1}", COUNTRIES[i // 2]) for i in range(12)]
OBJECTING = "Argentina"  # people 3 and 4


def run_flask(env, *args):
    result = subprocess.run(
        [*FLASK, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=90
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture
def room(tmp_path):
    """A migrated SQLite file, two staff accounts, ``flask serve-room`` on a
    free port: (base URL printed by the command, its output)."""
    env = environment(f"sqlite:///{tmp_path / 'trip.sqlite3'}")
    run_flask(env, "db", "upgrade")
    for email, role in ((EMAIL, "facilitator"), (SECRETARIAT, "secretariat")):
        run_flask(
            env,
            "create-account",
            "--email",
            email,
            "--name",
            role.title(),
            "--role",
            role,
            "--password",
            PASSWORD,
        )
    port = free_port()
    # The phones reach the room the way a venue's would: through the LAN
    # address the command finds and prints; a machine without one (loopback
    # only) is served on 127.0.0.1.
    lan = links.lan_address()
    host_args = [] if lan else ["--host", "127.0.0.1"]
    server = subprocess.Popen(
        [
            *FLASK,
            "serve-room",
            *host_args,
            "--port",
            str(port),
            "--lang",
            "en",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = server.stdout.readline()
        if not line:
            break
        lines.append(line)
        if "Listening at" in line:
            break
    output = "".join(lines)
    printed = re.search(r"(http://[0-9.]+:\d+)/login", output)
    assert printed, output
    base = printed.group(1)
    assert base == f"http://{lan or '127.0.0.1'}:{port}" and port != 5000
    for _ in range(50):
        try:
            urllib.request.urlopen(f"{base}/login", timeout=5).close()
            break
        except OSError:
            time.sleep(0.2)
    yield base, output
    server.terminate()
    server.wait(timeout=20)
    server.stdout.close()


@pytest.fixture
def trip_browser(browser):
    """The session's browser; the trip's contexts (a dozen) closed after it."""
    yield browser
    for context in list(browser.contexts):
        context.close()


def signed_in(browser, base, email):
    """A laptop page of a staff member, on their home page."""
    page = browser.new_context(**LAPTOP).new_page()
    sign_in(page, base, email, PASSWORD)
    page.wait_for_url(re.compile(r"/(console|secretariat)/$"))
    return page


def new_poll(console, event_id, workshop_label, rule="consensus"):
    """A named poll with the seven options pasted in two languages."""
    console.goto(
        f"{console.url.split('/console')[0]}/console/events/{event_id}/polls/new"
    )
    console.fill("#question_es", "¿Qué áreas de cooperación son prioritarias?")
    console.fill("#question_en", "Which cooperation areas come first?")
    console.select_option("#workshop", label=workshop_label)
    console.uncheck("#secret")
    console.uncheck("#allow_unranked")
    console.check(f"input[name=adoption_rule][value={rule}]")
    console.locator("form [type=submit]").last.click()
    console.wait_for_url(re.compile(r"/console/polls/\d+$"))
    poll_id = int(console.url.rsplit("/", 1)[1])
    console.goto(f"{console.url}/options/paste")
    console.fill("#lines_es", "\n".join(es for es, _ in OPTIONS))
    console.fill("#lines_en", "\n".join(en for _, en in OPTIONS))
    console.locator("form [type=submit]").last.click()
    console.wait_for_url(re.compile(rf"/console/polls/{poll_id}$"))
    expect(console.locator("body")).to_contain_text(OPTIONS[6][1])
    return poll_id


def confirm(console, link, button):
    """A life-cycle control: its link leads to a confirm page, then the button."""
    console.get_by_role("link", name=link, exact=True).click()
    console.get_by_role("button", name=button, exact=True).click()


class Voter:
    """A delegate reaching the server with their personal link, without a
    browser page (the ballot API, the plain consent form)."""

    def __init__(self, browser, link):
        self.context = browser.new_context(locale="es-ES")
        self.request = self.context.request
        answer = self.request.get(link)
        assert answer.ok, link
        self.token = re.search(r'name="csrf-token" content="([^"]+)"', answer.text())

    def vote(self, base, round_id, ranking):
        answer = self.request.post(
            f"{base}/api/rounds/{round_id}/ballot",
            data={"ranking": [[o] for o in ranking]},
            headers={"X-CSRFToken": self.token.group(1)},
        )
        assert answer.status == 201, answer.text()

    def consent(self, base, proposal_id, choice, reason=""):
        page = self.request.get(f"{base}/vote/consent/{proposal_id}").text()
        fields = {
            "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page)[1],
            "key": re.search(r'name="key" value="([^"]*)"', page)[1],
            "answer": choice,
            "reason": reason,
        }
        answer = self.request.post(
            f"{base}/vote/consent/{proposal_id}", form=fields, max_redirects=0
        )
        assert answer.status in (302, 303), answer.text()


def without_audit_head(record: str) -> str:
    return re.sub(r"Audit log head \(SHA-256\)\s+[0-9a-f]{64}", "", record)


def text_of(page, url, selector="main"):
    page.goto(url)
    return page.locator(selector).inner_text()


def test_the_whole_trip(room, trip_browser, shot):
    browser = trip_browser
    base, printed = room
    console = signed_in(browser, base, EMAIL)
    shot(console, "trip-1-console-home")

    # 1. A new event, two workshops, seven options in two languages.
    console.goto(f"{base}/console/events/new")
    console.fill("#name_es", "Seminario de compras 2026")
    console.fill("#name_en", "Procurement seminar 2026")
    console.fill("#languages", "es,en")
    console.fill("#workshop", "Mesa 1")
    console.locator("form [type=submit]").last.click()
    console.wait_for_url(re.compile(r"/console/events/\d+$"))
    event_id = int(console.url.rsplit("/", 1)[1])
    console.goto(f"{base}/console/events/{event_id}/workshops/new")
    console.fill("#name_es", "Mesa 2")
    console.fill("#name_en", "Table 2")
    console.locator("form [type=submit]").last.click()
    expect(console.locator("body")).to_contain_text("Table 2")
    poll_id = new_poll(console, event_id, "Mesa 1", rule="qualified")
    poll_url = f"{base}/console/polls/{poll_id}"
    plenary_id = new_poll(console, event_id, "Plenary (the whole event)")
    shot(console, "trip-1-options-pasted")

    # Twelve people from a CSV file (six delegations of two).
    csv = "nombre;delegación\n" + "".join(f"{n};{c}\n" for n, c in PEOPLE)
    console.goto(f"{base}/console/events/{event_id}/participants/import")
    console.set_input_files(
        "#file",
        files=[{"name": "people.csv", "mimeType": "text/csv", "buffer": csv.encode()}],
    )
    console.select_option("#workshop", label="Mesa 1")
    console.locator("form [type=submit]").last.click()
    expect(console.locator("body")).to_contain_text("12 participants imported")

    # Badges: the page, then the PDF of the same people.
    participants = f"{base}/console/events/{event_id}/participants"

    def tick_everyone():
        console.goto(participants)
        for box in console.locator("input[name=participants]").all():
            box.check()

    tick_everyone()
    console.get_by_role("button", name="Print badges").click()
    console.wait_for_url(re.compile(r"/badges$"))
    badges = {
        badge.locator(".name").inner_text(): badge.locator(".url").inner_text()
        for badge in console.locator("article.badge").all()
    }
    # The people in the CSV's order (the sheet sorts them by delegation).
    links = [badges[name] for name, _ in PEOPLE]
    assert len(links) == 12
    # Every badge names the address the room command printed.
    assert all(link.startswith(f"{base}/j/") for link in links)
    shot(console, "trip-1-badges-html")
    tick_everyone()
    console.check("input[name=format][value=pdf]")
    with console.expect_download() as download:
        console.get_by_role("button", name="Print badges").click()
    assert download.value.suggested_filename.endswith(".pdf")

    # 2. Round 1. The first sheet's links still open after the PDF: the
    # phones sign in with them.
    console.goto(poll_url)
    confirm(console, "Open round", "Open round 1")
    expect(console.locator("body")).to_contain_text("The round is open.")
    round_1 = int(
        re.search(
            r"/rounds/(\d+)/close",
            console.get_by_role("link", name="Close round", exact=True).get_attribute(
                "href"
            ),
        )[1]
    )
    a, b, c, *rest = [es for es, _ in OPTIONS]
    tied_up = [a, b, c, *rest]  # half the room: B before C …
    tied_down = [a, c, b, *rest]  # … the other half: C before B

    phones = []
    for i, link in enumerate(links[:3]):
        ctx = browser.new_context(**PHONE)
        phone = ctx.new_page()
        phone.goto(link)
        phone.locator('label.choice:has(input[value="es"])').tap()
        phone.locator("form.stack button[type=submit]").tap()
        phone.wait_for_url(re.compile(rf"/vote/{poll_id}$"))
        if i == 0:  # the options' ids, as the ballot page lists them
            ids = dict(
                phone.evaluate(
                    """[...document.querySelectorAll('#pool li.opt')].map(
                         li => [li.querySelector('.t').textContent.trim(),
                                Number(li.dataset.id)])"""
                )
            )
            assert set(ids) == set(tied_up), ids
        for title in tied_up if i % 2 == 0 else tied_down:
            phone.locator("#pool li.opt", has_text=title).locator(".pick").tap()
        expect(phone.locator("#ranked .badge")).to_have_count(7)
        if i == 0:
            shot(phone, "trip-2-phone-ranked")
        phone.locator("#send").tap()
        phone.wait_for_url(re.compile(r"/vote/receipt/\d+$"))
        phones.append(phone)
    # The join page the command printed opens on a phone too (no badge).
    join = re.search(r"event code at: (http://\S+)", printed)[1]
    assert join.startswith(base)
    assert phones[0].goto(join).ok
    shot(phones[0], "trip-2-phone-receipt")

    voters = [Voter(browser, link) for link in links[3:]]
    for i, voter in enumerate(voters[:2], start=3):
        order = tied_up if i % 2 == 0 else tied_down
        voter.vote(base, round_1, [ids[t] for t in order])

    console.goto(poll_url)
    live = console.locator("[data-live=rounds]")
    expect(live).to_contain_text("5 / 12")
    console.evaluate("window.notReloaded = true")
    voters[2].vote(base, round_1, [ids[t] for t in tied_down])  # person 6
    expect(live).to_contain_text("6 / 12", timeout=3000)
    assert console.evaluate("window.notReloaded") is True
    shot(console, "trip-2-console-sixth-ballot")
    for i, voter in enumerate(voters[3:], start=6):
        order = tied_up if i % 2 == 0 else tied_down
        voter.vote(base, round_1, [ids[t] for t in order])
    expect(live).to_contain_text("12 / 12", timeout=3000)

    console.get_by_role("link", name="Close round", exact=True).click()
    expect(console.locator("h1")).to_contain_text("Close round 1")
    shot(console, "trip-2-confirm-close")
    console.get_by_role("button", name="Close round 1", exact=True).click()
    expect(console.locator("body")).to_contain_text("The round is closed.")

    # 3. The proposal keeps the tie; two delegates of one country object.
    expect(console.locator("#consent")).to_contain_text("The result has 1 tie.")
    console.get_by_role("button", name=re.compile("Propose round 1")).click()
    proposal = console.locator("#consent .proposal-list")
    b_en, c_en = OPTIONS[1][1], OPTIONS[2][1]
    expect(proposal).to_contain_text(
        re.compile(rf"2= ({b_en}, 2= {c_en}|{c_en}, 2= {b_en})")
    )
    shot(console, "trip-3-proposal-tie-kept")
    first_proposal = int(
        re.search(
            r"/proposals/(\d+)/close",
            console.get_by_role("link", name="Close the consent check").get_attribute(
                "href"
            ),
        )[1]
    )
    everyone = [*(Voter(browser, link) for link in links[:3]), *voters]
    for i, voter in enumerate(everyone):
        if PEOPLE[i][1] == OBJECTING:
            voter.consent(base, first_proposal, "object", "Training first, please")
        else:
            voter.consent(base, first_proposal, "agree")
    consent = console.locator("[data-live=consent]")
    expect(consent.locator(".answered")).to_contain_text("12 of", timeout=3000)
    expect(consent.locator(".objections")).to_contain_text(OBJECTING)
    confirm(console, "Close the consent check", "Close the consent check")
    expect(console.locator("#consent")).to_contain_text(
        f"reservations of 1 delegation ({OBJECTING})"
    )
    shot(console, "trip-3-adopted-with-reservations")

    secretariat = signed_in(browser, base, SECRETARIAT)
    record_url = f"{base}/secretariat/rounds/{round_1}/export.html?lang=en"
    record = text_of(secretariat, record_url, "body")
    assert f"reservations of 1 delegation ({OBJECTING})" in record, record
    assert "2 delegations" not in record

    # Amend: re-open the adoption with a reason, split the tie, adopt.
    console.goto(poll_url)
    console.get_by_role("link", name="Re-open the adoption…").click()
    console.fill("#reason", "Amendment from the floor: training first")
    console.get_by_role("button", name="Re-open the adoption").click()
    amend = console.locator("form.amend")
    rows = amend.locator("tbody tr")
    for r in range(rows.count()):
        row = rows.nth(r)
        title = row.locator("td").nth(1).inner_text()
        merge = row.locator("input[type=checkbox]")
        if merge.is_checked():
            merge.uncheck()
        if title == b_en:
            row.locator("input.pos-input").fill("1")
        elif title == OPTIONS[0][1]:
            row.locator("input.pos-input").fill(str(1 + OPTIONS.index(OPTIONS[1])))
    shot(console, "trip-3-amend")
    amend.get_by_role("button", name="Propose again").click()
    expect(console.locator("#consent .proposal-list")).to_contain_text(f"1. {b_en}")
    # The amended list as proposed: "1. Professional training", "2. …".
    adopted_titles = [
        re.sub(r"^\d+[.=]\s*", "", line)
        for line in console.evaluate(
            """[...document.querySelectorAll('#consent .proposal-list li')]
                 .map(li => li.firstChild.textContent.trim())"""
        )
    ]
    assert adopted_titles[:3] == [b_en, OPTIONS[0][1], c_en], adopted_titles
    second_proposal = int(
        re.search(
            r"/proposals/(\d+)/close",
            console.get_by_role("link", name="Close the consent check").get_attribute(
                "href"
            ),
        )[1]
    )
    for voter in everyone:
        voter.consent(base, second_proposal, "agree")
    expect(consent.locator(".answered")).to_contain_text("12 of", timeout=3000)
    confirm(console, "Close the consent check", "Close the consent check")
    expect(console.locator("#consent")).to_contain_text("The adopted list is locked")
    shot(console, "trip-3-adopted")

    # 4. The accidental empty round: nothing changes once it is deleted.
    plenary_token_page = text_of(console, f"{base}/console/polls/{plenary_id}", "body")
    display = re.search(r"http://\S+/display/[A-Za-z0-9_-]+", plenary_token_page)[0]
    screen = browser.new_context(
        viewport={"width": 1920, "height": 1080}, locale="en-US"
    ).new_page()
    plenary_before = text_of(screen, f"{display}/plenary")
    record_before = text_of(secretariat, record_url, "body")
    # The plenary pools workshop 1's adopted round (a plural done right).
    assert re.search(r"12 ballots from 1 workshop\b", plenary_before), plenary_before
    shot(screen, "trip-4-plenary-before")
    console.goto(poll_url)
    confirm(console, "Open round 2", "Open round 2")
    expect(console.locator("body")).to_contain_text("The next round is open")
    console.get_by_role("link", name="Close round", exact=True).click()
    expect(console.locator(".confirm")).to_contain_text("Nobody has voted yet.")
    console.get_by_role("button", name="Close round 2", exact=True).click()
    console.get_by_role("link", name="Delete", exact=True).click()
    console.fill("#reason", "Opened by mistake")
    shot(console, "trip-4-confirm-delete")
    console.get_by_role("button", name="Delete round 2").click()
    expect(console.locator("body")).to_contain_text("The round is deleted.")
    assert text_of(screen, f"{display}/plenary") == plenary_before
    # Only the audit log's head moves (the deletion is in the log).
    record_after = text_of(secretariat, record_url, "body")
    assert without_audit_head(record_after) == without_audit_head(record_before)
    assert record_after != record_before
    shot(screen, "trip-4-plenary-after")

    # 5. The record's Agreements are the adopted list.
    column = secretariat.locator("section.column").first
    agreed = column.locator("ul.highest li, ul.high li").all_inner_texts()
    assert agreed == adopted_titles, (agreed, adopted_titles)
    expect(column.locator(".status")).to_contain_text("proposal 2")
    # The tally it came from follows as supporting data, its tie as a tie.
    expect(column.locator("ul.tally")).to_contain_text(f"2= {b_en}")
    shot(secretariat, "trip-5-record")
    assert "Serving the room on " + base in printed
