"""The app in a real browser: Debian chromium driven by playwright, against `python app.py`.

Needs /usr/bin/chromium (`apt-get install chromium`): without it these tests fail; leave them out
explicitly with `-m "not browser"` (as `make test-fast` does). Screenshots go to a temporary folder;
with UPDATE_SCREENSHOT=1 the desktop one also replaces docs/screenshot.png (the README's picture).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from qa.settings import ROOT
from qa.web.process import running_app
from tests.conftest import DATA

pytestmark = [pytest.mark.browser, pytest.mark.model]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(tempfile.mkdtemp(prefix="policyqa-screenshots-"))  # never the checkout
SEED = "Who can see my bank details?"
INJECTION = "<img src=x onerror=alert(1)>"
ANSWER_TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium, or leave these tests out with -m 'not browser'")
    return CHROMIUM


@pytest.fixture(scope="module")
def app_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The app's data folder: policies added in the page land in its policies/."""
    return tmp_path_factory.mktemp("browser-home")


@pytest.fixture(scope="module")
def policy_dir(app_home: Path) -> Path:
    """The app's folder of added policy files."""
    return app_home / "policies"


@pytest.fixture(scope="module")
def app_url(chromium_path, app_home: Path) -> Iterator[str]:
    """The app as installed: the shipped policy and index, a data folder of its own."""
    with running_app({**os.environ, "POLICYQA_HOME": str(app_home)}, timeout=180) as app:
        yield app.url


@pytest.fixture(scope="module")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium_path), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Visit:
    """One page of the app with everything it requested and every dialog it opened.

    With `block_external`, any request not for 127.0.0.1 is aborted (and recorded in `blocked`).
    """

    def __init__(
        self, browser, url: str, *, width: int = 1280, height: int = 900, block_external: bool = False
    ) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url.rstrip("/"))
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.blocked: list[str] = []
        if block_external:
            self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("dialog", self._dialog)
        self.page.goto(url, wait_until="load")
        self.page.wait_for_selector("#pqa-question textarea")

    def _route(self, route) -> None:
        if urlsplit(route.request.url).hostname in ("127.0.0.1", None):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def ask(self, question: str) -> None:
        """Type a question, press Enter, wait for the reply (answer or notice)."""
        before = self.page.locator("#pqa-chat .pqa-answer, #pqa-chat .pqa-notice").count()
        box = self.page.locator("#pqa-question textarea")
        box.fill(question)
        box.press("Enter")
        self.wait_for_replies(before + 1)

    def wait_for_replies(self, count: int) -> None:
        self.page.wait_for_function(
            "n => document.querySelectorAll('#pqa-chat .pqa-answer, #pqa-chat .pqa-notice').length >= n",
            arg=count,
            timeout=ANSWER_TIMEOUT_MS,
        )
        self.page.wait_for_timeout(300)  # let the scroll-to-question script settle before screenshots

    def external_requests(self) -> list[str]:
        return [url for url in self.requests if urlsplit(url).hostname not in (None, "127.0.0.1", "localhost")]

    def screenshot(self, name: str) -> Path:
        path = ARTIFACTS / name
        self.page.screenshot(path=str(path))
        return path


@pytest.fixture
def visit(browser, app_url) -> Iterator[Visit]:
    opened = Visit(browser, app_url)
    yield opened
    opened.context.close()
    assert opened.external_requests() == [], "the page fetched something from outside the machine"


def test_example_question_shows_cited_highlighted_clauses(visit):
    page = visit.page
    page.get_by_role("button", name=SEED).click()
    visit.wait_for_replies(1)
    citations = page.locator("#pqa-chat .pqa-answer a.pqa-cite").all_inner_texts()
    assert len(citations) == 5
    assert {"§C.6 Disclosure of Personal Data", "§C.4 Disclosure of Personal Data"} & set(citations[:3])
    first = page.locator("#pqa-chat .pqa-hit").first
    mark = first.locator("mark.pqa-mark")
    assert mark.is_visible() and len(mark.inner_text()) > 20
    assert mark.inner_text() in first.locator(".pqa-text").inner_text()
    assert first.locator(".pqa-rel").inner_text().strip() in {"strong match", "good match", "weak match"}
    assert page.locator(".pqa-question").last.inner_text() == SEED
    shot = visit.screenshot("app-answer.png")
    if os.environ.get("UPDATE_SCREENSHOT") == "1":
        shutil.copyfile(shot, ROOT / "docs" / "screenshot.png")
    assert visit.external_requests() == []
    assert visit.dialogs == []


def test_a_question_about_something_the_policy_never_mentions_says_so(visit):
    visit.ask("Do you collect biometric data such as fingerprints?")
    banner = visit.page.locator("#pqa-chat .pqa-answer .pqa-banner").last
    assert banner.is_visible()
    assert "does not seem to cover this" in banner.inner_text()
    assert "does not seem to mention “fingerprints”" in banner.inner_text()
    assert visit.page.locator("#pqa-chat .pqa-answer").last.locator(".pqa-hit").count() == 5  # closest, still shown
    visit.screenshot("app-not-covered.png")


def test_a_colloquial_question_notes_the_policy_words_it_also_searched_for(visit):
    visit.ask("Do the police get my details?")
    answer = visit.page.locator("#pqa-chat .pqa-answer").last
    assert answer.locator("a.pqa-cite").first.inner_text() == "§C.3 Disclosure of Personal Data"
    note = answer.locator(".pqa-expansion")
    assert note.is_visible() and "“enforcement”" in note.inner_text()


def test_citation_opens_the_policy_at_that_clause(visit):
    page = visit.page
    visit.ask(SEED)
    citation = page.locator("#pqa-chat a.pqa-cite").first
    clause_id = citation.get_attribute("href").removeprefix("#clause-")
    citation.click()
    page.wait_for_selector(f'[id="clause-{clause_id}"].pqa-target', timeout=10_000)
    assert page.locator('button[role="tab"][data-tab-id="policy"]').get_attribute("aria-selected") == "true"
    target = page.locator(f'[id="clause-{clause_id}"]')
    page.wait_for_function(
        "el => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; }",
        arg=target.element_handle(),
        timeout=5_000,
    )
    assert page.locator(".pqa-clause.pqa-target").count() == 1
    visit.screenshot("app-policy.png")


def test_html_in_a_question_shows_as_text(visit):
    page = visit.page
    visit.ask(INJECTION)
    page.wait_for_timeout(500)  # time for a broken image's onerror, were it rendered
    assert visit.dialogs == []
    assert page.locator(".pqa-question").last.inner_text() == INJECTION
    assert page.locator('#pqa-chat img[src="x"]').count() == 0
    visit.screenshot("app-injection.png")


def test_empty_and_long_questions_get_a_friendly_notice(visit):
    page = visit.page
    visit.ask("")
    assert "the question is empty" in page.locator(".pqa-notice").last.inner_text()
    visit.ask("why " * 600)
    assert "keep it to at most 2,000" in page.locator(".pqa-notice").last.inner_text()
    chat = page.locator("#pqa-chat").inner_text()
    assert "Traceback" not in chat and "Error" not in chat


def test_follow_up_keeps_history_and_copy_gives_plain_text(visit):
    page = visit.page
    visit.ask(SEED)
    visit.ask("Do you use cookies?")
    assert page.locator(".pqa-question").all_inner_texts() == [SEED, "Do you use cookies?"]
    assert page.locator("#pqa-chat .pqa-answer").count() == 2
    page.locator('#pqa-chat button[aria-label="Copy message"]').last.click()
    page.wait_for_timeout(300)
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("Q: Do you use cookies?\n1. §E")
    assert "<" not in copied


def test_add_a_policy_ask_it_then_choose_the_shipped_one_again(browser, app_url, visit):
    page = visit.page
    page.get_by_role("tab", name="Add a policy").click()
    page.locator("#pqa-upload input[type=file]").set_input_files(str(DATA / "docs" / "northwind.html"))
    page.get_by_text("northwind.html").first.wait_for(timeout=30_000)  # uploaded, shown in the file field
    page.locator("#pqa-name input, #pqa-name textarea").first.fill("northwind")
    visit.screenshot("app-add-policy.png")
    page.locator("#pqa-add").click()
    # Indexed, chosen, and back on the Ask tab with a fresh chat.
    notice = page.locator("#pqa-chat .pqa-info")
    notice.wait_for(timeout=ANSWER_TIMEOUT_MS)
    assert "Northwind Traders Privacy Notice" in notice.inner_text()
    assert page.locator('button[role="tab"][data-tab-id="ask"]').get_attribute("aria-selected") == "true"
    assert "northwind" in page.locator("#pqa-choose input").input_value()
    assert "Northwind Traders Privacy Notice" in page.locator("#pqa-header").inner_text()
    visit.ask("Who receives my postal address?")
    citations = page.locator("#pqa-chat .pqa-answer a.pqa-cite").all_inner_texts()
    assert citations[0].startswith("§2 ¶2 How We Use and Share Information"), citations
    visit.screenshot("app-added-answer.png")
    # Its citations open its own text in the Policy tab.
    page.locator("#pqa-chat a.pqa-cite").first.click()
    page.wait_for_selector('[id="clause-2.p2"].pqa-target', timeout=10_000)
    assert "Couriers receive your name" in page.locator('[id="clause-2.p2"]').inner_text()
    # Back to the shipped policy: the chooser lists both; the chat starts afresh.
    page.get_by_role("tab", name="Ask").click()
    page.locator("#pqa-choose input").click()
    options = page.get_by_role("option").all_inner_texts()
    assert [o for o in options if "alibaba-2015" in o] and [o for o in options if "northwind" in o], options
    page.get_by_role("option", name="alibaba-2015").first.click()
    page.wait_for_function(
        "() => document.querySelectorAll('#pqa-chat .pqa-answer').length === 0"
        " && (document.querySelector('#pqa-chat .pqa-info') || {}).textContent?.includes('44 clauses')",
        timeout=ANSWER_TIMEOUT_MS,
    )
    visit.ask(SEED)
    citations = page.locator("#pqa-chat .pqa-answer a.pqa-cite").all_inner_texts()
    assert {"§C.6 Disclosure of Personal Data", "§C.4 Disclosure of Personal Data"} & set(citations[:3])
    assert visit.dialogs == []
    # A page opened later lists the added policy too.
    later = Visit(browser, app_url)
    try:
        later.page.locator("#pqa-choose input").click()
        later.page.get_by_role("option", name="northwind").first.wait_for(timeout=10_000)
    finally:
        later.context.close()


def test_remove_an_added_policy(policy_dir, browser, app_url):
    policy_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(DATA / "docs" / "zephyr.md", policy_dir / "zephyr.md")  # as an interrupted add would leave it
    visit = Visit(browser, app_url)  # a page load lists the policies anew
    try:
        page = visit.page
        page.get_by_role("tab", name="Add a policy").click()
        page.locator("#pqa-remove-choose input").click()
        page.get_by_role("option", name="zephyr").first.click()
        page.locator("#pqa-remove").click()
        page.locator("#pqa-add-status .pqa-info").wait_for(timeout=ANSWER_TIMEOUT_MS)
        assert "Removed zephyr" in page.locator("#pqa-add-status").inner_text()
        assert not (policy_dir / "zephyr.md").exists()
        page.locator("#pqa-choose input").click()
        options = page.get_by_role("option").all_inner_texts()
        assert [o for o in options if "alibaba-2015" in o] and not [o for o in options if "zephyr" in o], options
        assert visit.dialogs == []
    finally:
        visit.context.close()


def test_phone_width_has_no_sideways_scrolling(browser, app_url):
    phone = Visit(browser, app_url, width=390, height=844)
    try:
        phone.ask(SEED)
        width = phone.page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390
        assert phone.page.locator("#pqa-chat a.pqa-cite").first.is_visible()
        phone.screenshot("app-phone.png")
    finally:
        phone.context.close()
    assert phone.external_requests() == []
