"""The inspector page at /__admin/: served to browsers (content negotiation) with a strict
Content-Security-Policy, rendered in a real headless Chromium, showing a token a test just
suspended and no full PAN."""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Callable, Iterable
from html.parser import HTMLParser
from pathlib import Path
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

import pytest
import requests
from browser import chromium as _chromium
from browser import chromium_command
from hypothesis import given
from hypothesis import strategies as st
from strategies_pan import assert_no_exposure

from mdesrules import Client
from mdesrules.fakes.mdes import MemoryStore, SimulatedMdes, simulator_app
from mdesrules.fakes.mdes.admin import AdminApp, inspector_page, wants_html
from mdesrules.models import AuditInfo, SearchRequest, TokenSuspendRequest
from mdesrules.pytest_plugin import LiveServer
from mdesrules.transports import SimulatorAdapter

TUR = "DWSPMC00000000010906a349d9ca4eb1a4d53e3c90a11d9c"
PAN = "5412345678901232"
AUDIT = AuditInfo(user_id="A1435477", user_name="John Smith", organization="Any Bank")
#: What Chromium sends when it navigates to a page.
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"

pytestmark = pytest.mark.mdes_tokens(
    {"tokenUniqueReference": TUR, "accountPan": PAN, "status": "A"}
)


@pytest.fixture
def admin() -> requests.Session:
    session = requests.Session()
    app = simulator_app(SimulatedMdes(MemoryStore()))
    session.mount("http://mdes.test/", SimulatorAdapter(app))
    return session


# --- content negotiation and headers ----------------------------------------------------------


def test_a_browser_gets_the_page_with_a_strict_policy(admin: requests.Session) -> None:
    answer = admin.get("http://mdes.test/__admin/", headers={"Accept": BROWSER})
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "text/html; charset=utf-8"
    assert answer.headers["Vary"] == "Accept"
    assert "<h1>Simulated MDES inspector</h1>" in answer.text
    policy = dict(
        part.strip().split(" ", 1) for part in answer.headers["Content-Security-Policy"].split(";")
    )
    assert policy["default-src"] == "'none'"
    assert policy["connect-src"] == "'self'"
    assert re.fullmatch(r"'sha256-[A-Za-z0-9+/]{43}='", policy["script-src"])
    assert re.fullmatch(r"'sha256-[A-Za-z0-9+/]{43}='", policy["style-src"])
    assert "unsafe" not in answer.headers["Content-Security-Policy"]
    assert answer.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "accept",
    [
        None,
        "*/*",
        "application/json",
        "text/html;q=0.5, application/json",
        "text/html;q=0.8, */*;q=0.8",
        "text/html;q=0, */*",
        "text/html;q=bad",
    ],
)
def test_other_clients_keep_getting_the_json_index(
    admin: requests.Session, accept: str | None
) -> None:
    headers = {} if accept is None else {"Accept": accept}
    answer = admin.get("http://mdes.test/__admin/", headers=headers)
    assert answer.headers["Content-Type"].startswith("application/json")
    assert answer.json()["endpoints"]["tokens"] == "/__admin/tokens"


def test_the_page_is_only_at_the_index(admin: requests.Session) -> None:
    answer = admin.get("http://mdes.test/__admin/tokens", headers={"Accept": BROWSER})
    assert answer.json() == {"tokens": [], "count": 0}
    answer = admin.post("http://mdes.test/__admin/", headers={"Accept": BROWSER})
    assert answer.status_code == 405


@given(st.lists(st.sampled_from(["application/json", "*/*", "text/plain", "application/*"])))
def test_no_accept_without_text_html_gets_the_page(kinds: list[str]) -> None:
    assert not wants_html(", ".join(kinds))


def test_the_page_loads_nothing_from_elsewhere_and_never_parses_data_as_html() -> None:
    page = inspector_page().html
    assert not re.search(r"""(src|href)\s*=|https?://|@import|url\(""", page)
    script = "".join(re.findall(r"<script>(.*?)</script>", page, re.S))
    assert "textContent" in script
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in script


def test_the_admin_prefix_is_escaped_into_the_page() -> None:
    app = AdminApp(SimulatedMdes(MemoryStore()), prefix='/adm"<in>')
    session = requests.Session()
    session.mount("http://mdes.test/", SimulatorAdapter(app))
    page = session.get('http://mdes.test/adm"<in>/', headers={"Accept": BROWSER}).text
    assert '<meta name="mdesrules-admin" content="/adm&quot;&lt;in&gt;">' in page


# --- in a real browser -------------------------------------------------------------------------


class _Rendered(HTMLParser):
    """The rendered DOM's table rows: ``rows[table id]`` is a list of {data-field: text}."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, list[dict[str, str]]] = {}
        self._table = ""
        self._field: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table":
            self._table = a.get("id") or ""
        elif tag == "tr":
            self.rows.setdefault(self._table, []).append({})
        elif tag == "td" and a.get("data-field"):
            self._field = a["data-field"]
            self.rows[self._table][-1][self._field] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self._field = None

    def handle_data(self, data: str) -> None:
        if self._field is not None:
            self.rows[self._table][-1][self._field] += data


def render(url: str, profile: Path, until: str, timeout: float = 90.0) -> tuple[str, _Rendered]:
    """The DOM of *url* as headless Chromium renders it, once *until* is in it: each run
    loads the page, lets its scripts and fetches finish (virtual time) and dumps the DOM;
    the runs repeat until the DOM shows *until*, within *timeout*."""
    chromium = _chromium()
    deadline = time.monotonic() + timeout
    dom = ""
    while time.monotonic() < deadline:
        done = subprocess.run(
            chromium_command(chromium, profile, "--virtual-time-budget=3000", "--dump-dom", url),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        dom = done.stdout
        if until in dom:
            parsed = _Rendered()
            parsed.feed(dom)
            return dom, parsed
    pytest.fail(f"the page never showed {until!r} within {timeout} s; last DOM:\n{dom[:3000]}")


@pytest.mark.slow
def test_the_page_shows_a_token_just_suspended_and_no_full_pan(
    mdes_client: Client, mdes_server: LiveServer, tmp_path: Path
) -> None:
    _chromium()
    mdes_client.token_suspend(
        TokenSuspendRequest(token_unique_reference=TUR, reason_code="L", audit_info=AUDIT)
    )
    # A request that carries the PAN, so that the journal the page renders holds it (masked).
    mdes_client.search(SearchRequest(account_pan=PAN, audit_info=AUDIT))

    dom, page = render(mdes_server.admin + "/", tmp_path / "profile", until="token_suspend")
    tokens = {row["tokenUniqueReference"]: row for row in page.rows["tokens"] if row}
    assert tokens[TUR]["status"] == "S (Suspended)"
    assert tokens[TUR]["accountPan"] == "541234******1232"
    assert tokens[TUR]["suspenders"] == "I"
    journal = [row for row in page.rows["journal"] if row]
    assert [(row["operation"], row["status"]) for row in journal] == [
        ("search", "200"),
        ("token_suspend", "200"),
    ]
    assert journal[1]["changes"] == "suspend A\u2192S"
    assert "541234******1232" in journal[0]["request"]
    assert PAN not in dom
    assert_no_exposure(dom, PAN, "the rendered inspector page")

    # The address can select a token: its history is shown beside the list.
    dom, page = render(
        mdes_server.admin + "/#token=" + TUR, tmp_path / "profile", until='data-field="event"'
    )
    history = [row for row in page.rows["history"] if row]
    assert [(h["event"], h["status"], h["reasonCode"]) for h in history] == [("suspend", "S", "L")]
    assert_no_exposure(dom, PAN, "the rendered inspector page with a token's history")


@pytest.mark.slow
def test_the_page_follows_requests_as_they_arrive(
    mdes: SimulatedMdes,
    mdes_client: Client,
    serve: Callable[[WSGIApplication], str],
    tmp_path: Path,
) -> None:
    """The page polls: a token suspended while the page is open (after its first read of
    the tokens, which found it Active) shows as suspended, with the request in the
    journal, in the same page load."""
    _chromium()
    app = simulator_app(mdes)
    token_reads: list[str] = []  # the status read by each poll of the page load

    def suspend_after_the_first_read(
        environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        if environ["PATH_INFO"] == "/__admin/" and "text/html" in environ.get("HTTP_ACCEPT", ""):
            token_reads.clear()  # a new page load: only its own polls count
        elif environ["PATH_INFO"] == "/__admin/tokens":
            token_reads.append(mdes.store.get(TUR).status.value)  # type: ignore[union-attr]
            if len(token_reads) == 2:
                mdes_client.token_suspend(
                    TokenSuspendRequest(
                        token_unique_reference=TUR, reason_code="L", audit_info=AUDIT
                    )
                )
        return app(environ, start_response)

    root = serve(suspend_after_the_first_read)
    dom, page = render(root + "/__admin/", tmp_path / "profile", until="token_suspend")
    assert token_reads[:2] == ["A", "A"]
    tokens = {row["tokenUniqueReference"]: row for row in page.rows["tokens"] if row}
    assert tokens[TUR]["status"] == "S (Suspended)"
    assert [row["operation"] for row in page.rows["journal"] if row] == ["token_suspend"]
    assert_no_exposure(dom, PAN, "the rendered inspector page")
