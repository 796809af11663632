"""The app in a real browser: Debian chromium driven by playwright, against `python app.py`.

Needs /usr/bin/chromium (`apt-get install chromium`): without it these tests fail; leave them out
explicitly with `-m "not browser"` (as `make test-fast` does). Screenshots go to a temporary folder
(tests/test_ui_layout.py makes the README's with UPDATE_SCREENSHOT=1). The page's fixtures and `Visit`
are shared with tests/test_ui_*.py. Every wait is for a condition on the page, never for a time.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest

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
COOKIES = "Do you use cookies?"
NOT_COVERED = "Do you collect biometric data such as fingerprints?"
INJECTION = "<img src=x onerror=alert(1)>"
ANSWER_TIMEOUT_MS = 60_000
SIZES = {"desktop": (1366, 900), "laptop": (1366, 768), "phone": (390, 844)}
DEVELOPER_WORDS = ("policyqa index", "Plain text to copy", "Use via API", "Traceback", "similarity")
LEVELS = {"strong match": 3, "good match": 2, "weak match": 1}


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
    """One page of the app (opened at `url`, which may carry ?policy=, ?q= and #clause-) with everything it
    requested and every dialog it opened. Any request not for this machine is aborted and recorded in
    `blocked` (`block_external`, on by default; the `visit` fixtures check that there was none)."""

    def __init__(self, browser, url: str, *, width: int = 1366, height: int = 900, block_external: bool = True) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": height})
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))
        self.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=origin)
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.blocked: list[str] = []
        if block_external:
            self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("dialog", self._dialog)
        self.page.goto(url, wait_until="load")
        self.page.wait_for_selector("#pqa-question textarea", state="attached")  # hidden when opened on a clause
        self.page.wait_for_selector("html[data-pqa-ready]", state="attached")  # the page's script is in place

    def _route(self, route) -> None:
        if urlsplit(route.request.url).hostname in ("127.0.0.1", None):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def replies(self) -> int:
        return self.page.locator("#pqa-chat .pqa-answer, #pqa-chat .pqa-notice").count()

    def ask(self, question: str) -> None:
        """Type a question, press Enter, wait for its reply (answer or notice)."""
        before = self.replies()
        box = self.page.locator("#pqa-question textarea")
        box.fill(question)
        box.press("Enter")
        self.wait_for_replies(before + 1)

    def wait_for_replies(self, count: int) -> None:
        """Wait until the chat holds `count` replies and no question waits for one."""
        self.page.wait_for_function(
            "n => document.querySelectorAll('#pqa-chat .pqa-answer, #pqa-chat .pqa-notice').length >= n"
            " && !document.querySelector('#pqa-chat .pqa-waiting')",
            arg=count,
            timeout=ANSWER_TIMEOUT_MS,
        )

    def wait_for_scroll_to(self, question: str) -> None:
        """Wait until the chat has scrolled its newest answer's question to the top."""
        self.page.wait_for_function(
            "q => document.getElementById('pqa-chat')?.getAttribute('data-pqa-scrolled-to') === q",
            arg=question,
            timeout=ANSWER_TIMEOUT_MS,
        )

    def tab_selected(self, tab: str) -> bool:
        return self.page.locator(f'button[role="tab"][data-tab-id="{tab}"]').get_attribute("aria-selected") == "true"

    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.page.url).query)

    def in_view(self, locator) -> bool:
        """Whether the element is wholly inside the viewport."""
        return locator.evaluate(
            "el => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; }"
        )

    def wait_in_view(self, locator) -> None:
        self.page.wait_for_function(
            "el => { const r = el.getBoundingClientRect();"
            " return r.height > 0 && r.top >= 0 && r.bottom <= innerHeight; }",
            arg=locator.element_handle(),
            timeout=10_000,
        )

    def clear_clipboard(self) -> None:
        self.page.evaluate("navigator.clipboard.writeText('')")

    def clipboard(self) -> str:
        """The clipboard's text once something is in it (checked every frame, for at most 10 s)."""
        return self.page.evaluate(
            """() => new Promise((done, fail) => {
              const until = performance.now() + 10000;
              const look = async () => {
                const text = await navigator.clipboard.readText();
                if (text) done(text);
                else if (performance.now() < until) requestAnimationFrame(look);
                else fail(new Error('nothing was copied'));
              };
              look();
            })"""
        )

    def external_requests(self) -> list[str]:
        return [url for url in self.requests if urlsplit(url).hostname not in (None, "127.0.0.1", "localhost")]

    def screenshot(self, name: str) -> Path:
        path = ARTIFACTS / name
        self.page.screenshot(path=str(path))
        return path

    def close(self) -> None:
        self.context.close()
        assert self.external_requests() == [], "the page fetched something from outside the machine"


@pytest.fixture
def visit(browser, app_url) -> Iterator[Visit]:
    opened = Visit(browser, app_url)
    yield opened
    opened.close()


@pytest.fixture(params=["desktop", "phone"])
def size(request) -> str:
    """A desktop's size and a phone's (`SIZES`)."""
    return request.param


def open_at(browser, url: str, size: str) -> Visit:
    return Visit(browser, url, width=SIZES[size][0], height=SIZES[size][1])


@pytest.fixture
def sized(browser, app_url, size) -> Iterator[Visit]:
    """The page at a desktop's size and at a phone's."""
    opened = open_at(browser, app_url, size)
    yield opened
    opened.close()


def labels_of(answer) -> list[str]:
    return [text.strip() for text in answer.locator(".pqa-rel").all_inner_texts()]


# --- the answer first -----------------------------------------------------------------------------


def test_the_answer_comes_first_and_the_other_clauses_are_cut_to_their_sentence(sized):
    page = sized.page
    page.get_by_role("button", name=SEED).click()
    sized.wait_for_replies(1)
    assert page.locator(".pqa-question").last.inner_text() == SEED
    answer = page.locator("#pqa-chat .pqa-answer").last
    direct = answer.locator(".pqa-direct")
    quote = direct.locator("blockquote.pqa-quote")
    assert quote.is_visible() and len(quote.inner_text()) > 40
    assert direct.locator("a.pqa-cite").inner_text() in {"§C.6 Disclosure of Personal Data",
                                                         "§C.4 Disclosure of Personal Data"}  # fmt: skip
    # The other clauses, best first, each cut to its marked sentence; the whole clause behind a click.
    hits = answer.locator(".pqa-hit")
    assert hits.count() == 4 and answer.locator("a.pqa-cite").count() == 5
    first = hits.first
    assert first.locator(".pqa-sentence mark.pqa-mark").is_visible() and not first.locator(".pqa-text").is_visible()
    first.get_by_text("Show the whole clause").click()
    whole = first.locator(".pqa-text")
    assert whole.is_visible() and whole.locator("mark.pqa-mark").is_visible()
    assert not first.locator(".pqa-sentence").is_visible()  # the sentence is not shown twice
    # The labels never say a lower clause matches better than a higher one.
    levels = [LEVELS[label] for label in labels_of(answer)]
    assert levels == sorted(levels, reverse=True) and levels[0] >= 2
    text = page.locator("body").inner_text()
    assert not [words for words in DEVELOPER_WORDS if words in text]
    assert sized.dialogs == []


def test_an_answer_is_not_a_wall(visit):
    """Collapsed, the five clauses of an answer fit in the chat pane of a 1366x900 screen."""
    visit.ask(SEED)
    answer = visit.page.locator("#pqa-chat .pqa-answer").last.bounding_box()
    chat = visit.page.locator("#pqa-chat").bounding_box()
    assert answer is not None and chat is not None
    assert answer["height"] < chat["height"], (answer, chat)


def test_a_question_the_policy_does_not_cover_says_so_first_and_keeps_the_clauses_behind_a_click(sized):
    page = sized.page
    sized.ask(NOT_COVERED)
    answer = page.locator("#pqa-chat .pqa-answer").last
    direct = answer.locator(".pqa-direct.pqa-none")
    assert direct.is_visible() and direct.inner_text().startswith("The policy does not say.")
    assert "“fingerprints”" in direct.inner_text() and "The closest it comes is" in direct.inner_text()
    assert not answer.locator(".pqa-hit").first.is_visible()
    answer.get_by_text("Show the closest 5 clauses anyway").click()
    assert answer.locator(".pqa-hit").count() == 5 and answer.locator(".pqa-hit").nth(4).is_visible()
    assert set(labels_of(answer)) == {"weak match"}


def test_a_colloquial_question_notes_the_policy_words_it_also_searched_for(visit):
    visit.ask("Do the police get my details?")
    answer = visit.page.locator("#pqa-chat .pqa-answer").last
    assert answer.locator("a.pqa-cite").first.inner_text() == "§C.3 Disclosure of Personal Data"
    assert "“enforcement”" in answer.get_by_text("Also searched for").inner_text()


def test_a_follow_up_is_read_with_the_earlier_question(sized):
    visit = sized
    visit.ask(COOKIES)
    visit.ask("Can I opt out of that?")
    answers = visit.page.locator("#pqa-chat .pqa-answer")
    assert answers.first.locator(".pqa-follows").count() == 0
    note = answers.last.locator(".pqa-follows")
    assert note.inner_text() == f"Read with your earlier question: “{COOKIES}”"
    assert answers.last.locator("a.pqa-cite").first.inner_text().endswith("Cookies")


# --- nothing lost ---------------------------------------------------------------------------------


def hold_answers(visit: Visit) -> tuple[list, list[bool]]:
    """Hold back the requests that ask the model (the app's answering step) until the test lets them go:
    the model is busy for as long as the test likes. Returns (the held requests, a switch to stop holding)."""
    config = visit.page.evaluate("async () => (await (await fetch('config')).json())")
    answering = {
        d["id"] for d in config["dependencies"]
        if d["backend_fn"] and [event for _, event in d["targets"]] == ["then"] and len(d["outputs"]) > 1
    }  # fmt: skip
    held: list = []
    holding = [True]

    def hold(route) -> None:
        if holding[0] and (route.request.post_data_json or {}).get("fn_index") in answering:
            held.append(route)
        else:
            route.continue_()

    visit.page.route("**/gradio_api/queue/join*", hold)
    return held, holding


def test_questions_sent_while_one_waits_show_at_once_and_are_all_answered_in_order(sized):
    visit = sized
    page = visit.page
    held, holding = hold_answers(visit)
    questions = [COOKIES, "Can I opt out of that?", SEED]
    box = page.locator("#pqa-question textarea")
    for sent, question in enumerate(questions, 1):
        box.fill(question)
        box.press("Enter")
        page.wait_for_function("n => document.querySelectorAll('#pqa-chat .pqa-question').length === n", arg=sent)
        assert box.input_value() == ""
    # Each question shows at once; the first is being searched, the others wait their turn.
    assert page.locator("#pqa-chat .pqa-question").all_inner_texts() == questions
    assert page.locator("#pqa-chat .pqa-searching").count() == 1 and page.locator("#pqa-chat .pqa-queued").count() == 2
    assert page.locator("#pqa-chat .pqa-searching").inner_text() == "Searching the policy…"
    # The model is busy: no answer has been asked for yet (the page load's own step may be held too).
    assert len(held) >= len(questions) and page.locator("#pqa-chat .pqa-answer").count() == 0
    holding[0] = False
    for route in held:
        route.continue_()
    visit.wait_for_replies(3)
    assert page.locator("#pqa-chat .pqa-question").all_inner_texts() == questions
    links = page.locator("#pqa-chat .pqa-answer a.pqa-share").evaluate_all("links => links.map(a => a.href)")
    assert [parse_qs(urlsplit(link).query)["q"] for link in links] == [[q] for q in questions]


def event_ids(visit: Visit, elem_id: str, event: str) -> set[int]:
    """The ids of the page's events that `event` on the component `elem_id` starts."""
    config = visit.page.evaluate("async () => (await (await fetch('config')).json())")
    ids = {c["id"] for c in config["components"] if c.get("props", {}).get("elem_id") == elem_id}
    return {d["id"] for d in config["dependencies"] if any(t == [i, event] for i in ids for t in d["targets"])}


def test_opening_and_closing_the_chooser_keeps_the_chat(sized):
    page = sized.page
    sized.ask(COOKIES)
    chat = page.locator("#pqa-chat .pqa-answer").last.inner_html()
    address = page.url
    choosing = event_ids(sized, "pqa-choose", "select")
    sent: list[int] = []

    def record(request) -> None:
        if "queue/join" in request.url:
            sent.append((request.post_data_json or {}).get("fn_index"))

    page.on("request", record)
    heading = page.locator("#pqa-header h1")
    heading.click()
    for _ in range(3):  # tab past the chooser
        page.keyboard.press("Tab")
    chooser = page.locator("#pqa-choose input")
    chooser.click()
    page.get_by_role("option", name="alibaba-2015").first.wait_for()
    heading.click()  # click away
    chooser.click()
    page.get_by_role("option", name="alibaba-2015").first.wait_for()
    page.keyboard.press("Escape")
    heading.click()
    assert choosing and not set(sent) & choosing  # opening and closing the list sends nothing
    chooser.click()
    page.get_by_role("option", name="alibaba-2015").first.click()  # the same policy again
    heading.click()
    page.wait_for_function("() => !document.querySelector('#pqa-choose [role=listbox]')")
    assert page.locator("#pqa-chat .pqa-answer").count() == 1
    assert page.locator("#pqa-chat .pqa-answer").last.inner_html() == chat
    assert page.locator("#pqa-chat .pqa-info").count() == 0 and page.url == address
    assert "Now answering" not in page.locator("#pqa-chat").inner_text()


# --- links that work ------------------------------------------------------------------------------


def test_a_citation_opens_the_clause_and_back_returns_to_the_answer(sized):
    page = sized.page
    sized.ask(SEED)
    assert sized.query() == {"policy": ["alibaba-2015"], "q": [SEED]}
    citation = page.locator("#pqa-chat .pqa-answer a.pqa-cite").first
    clause_id = citation.get_attribute("href").removeprefix("#clause-")
    citation.click()
    target = page.locator(f'[id="clause-{clause_id}"].pqa-target')
    target.wait_for(timeout=10_000)
    assert sized.tab_selected("policy") and page.locator(".pqa-clause.pqa-target").count() == 1
    sized.wait_in_view(target)
    assert urlsplit(page.url).fragment == f"clause-{clause_id}"
    sized.screenshot(f"app-policy-{page.viewport_size['width']}.png")
    # The browser's Back: the answer again, its citation focused, the address without the clause.
    page.go_back()
    page.wait_for_function("() => document.activeElement?.classList.contains('pqa-cite')", timeout=10_000)
    assert sized.tab_selected("ask") and urlsplit(page.url).fragment == ""
    assert page.evaluate("document.activeElement.getAttribute('href')") == f"#clause-{clause_id}"
    assert sized.in_view(page.locator("#pqa-chat .pqa-answer a.pqa-cite").first)
    assert sized.query() == {"policy": ["alibaba-2015"], "q": [SEED]}
    page.go_forward()
    page.wait_for_function("() => document.querySelector('.pqa-clause.pqa-target')?.offsetParent", timeout=10_000)
    assert sized.tab_selected("policy")
    # The policy view's own way back.
    back = page.get_by_role("button", name="← Back to the answer")
    assert sized.in_view(back)
    back.click()
    page.wait_for_function("() => document.activeElement?.classList.contains('pqa-cite')", timeout=10_000)
    assert sized.tab_selected("ask") and page.locator("#pqa-chat .pqa-answer").count() == 1


def test_the_address_asks_its_question_and_opens_its_clause(browser, app_url, size):
    asked = open_at(browser, f"{app_url}?q={quote(COOKIES)}", size)
    try:
        asked.wait_for_replies(1)
        assert asked.page.locator("#pqa-chat .pqa-question").all_inner_texts() == [COOKIES]
        assert asked.page.locator("#pqa-chat .pqa-answer a.pqa-cite").first.inner_text().endswith("Cookies")
        assert asked.query() == {"policy": ["alibaba-2015"], "q": [COOKIES]}
    finally:
        asked.close()
    opened = open_at(browser, f"{app_url}?q={quote(SEED)}#clause-C.6", size)
    try:
        target = opened.page.locator('[id="clause-C.6"].pqa-target')
        target.wait_for(timeout=10_000)
        assert opened.tab_selected("policy")
        opened.wait_in_view(target)
        opened.wait_for_replies(1)  # the question was asked too, for the Ask tab
        opened.page.get_by_role("button", name="← Back to the chat").click()
        opened.page.wait_for_function("() => location.hash === ''")
        assert opened.tab_selected("ask") and opened.page.locator("#pqa-chat .pqa-answer").count() == 1
    finally:
        opened.close()


def test_each_answer_has_a_link_that_asks_it_again(browser, app_url, size, sized):
    visit = sized
    visit.ask("Can I correct my personal data?")
    answer = visit.page.locator("#pqa-chat .pqa-answer").last
    first = answer.locator("a.pqa-cite").first.inner_text()
    visit.clear_clipboard()
    answer.get_by_text("Copy link to this answer").click()
    link = visit.clipboard()
    assert urlsplit(link).netloc == urlsplit(app_url).netloc, link
    assert parse_qs(urlsplit(link).query) == {"policy": ["alibaba-2015"], "q": ["Can I correct my personal data?"]}
    answer.locator("a.pqa-share", has_text="Link copied").wait_for(timeout=10_000)
    again = open_at(browser, link, size)
    try:
        again.wait_for_replies(1)
        assert again.page.locator("#pqa-chat .pqa-question").all_inner_texts() == ["Can I correct my personal data?"]
        assert again.page.locator("#pqa-chat .pqa-answer a.pqa-cite").first.inner_text() == first
    finally:
        again.close()


# --- what the chat shows and copies ---------------------------------------------------------------


def test_html_in_a_question_shows_as_text(visit):
    page = visit.page
    visit.ask(INJECTION)
    assert page.locator(".pqa-question").last.inner_text() == INJECTION
    assert page.locator('#pqa-chat img[src="x"]').count() == 0 and visit.dialogs == []


def test_empty_and_long_questions_get_a_friendly_notice(visit):
    page = visit.page
    visit.ask("")
    assert "the question is empty" in page.locator(".pqa-notice").last.inner_text()
    visit.ask("why " * 600)
    assert "keep it to at most 2,000" in page.locator(".pqa-notice").last.inner_text()
    assert page.locator("#pqa-question textarea").input_value().startswith("why why")  # kept to be shortened
    chat = page.locator("#pqa-chat").inner_text()
    assert "Traceback" not in chat and "Error" not in chat


def test_copy_gives_plain_text_with_each_question_once(visit):
    page = visit.page
    visit.ask(SEED)
    visit.ask(COOKIES)
    visit.clear_clipboard()
    page.locator('#pqa-chat button[aria-label="Copy message"]').last.click()
    copied = visit.clipboard()
    assert copied.startswith(f"Q: {COOKIES}\n“") and "(§E" in copied.splitlines()[1] and "<" not in copied
    visit.clear_clipboard()
    page.get_by_role("button", name="Copy conversation").click()
    conversation = visit.clipboard()
    assert conversation.count(SEED) == 1 and conversation.count(COOKIES) == 1, conversation
    assert conversation.startswith(f"Q: {SEED}\n\n“") and "<" not in conversation


# --- policies: choosing, adding, removing ---------------------------------------------------------

# Watches Gradio's progress displays: the id of the component under each one that is drawn.
WATCH_PROGRESS = """() => {
  window.pqaProgress = new Set();
  const note = () => document.querySelectorAll('[data-testid="status-tracker"]').forEach((el) => {
    if (!el.classList.contains('hide') && el.getBoundingClientRect().height > 0)
      window.pqaProgress.add(el.closest('[id]')?.id || '?');
  });
  new MutationObserver(note).observe(document.body, { subtree: true, childList: true, attributes: true });
}"""


def test_add_a_policy_then_switch_back_and_forth_keeping_each_chat(browser, app_url, size, sized):
    visit, name = sized, f"northwind-{size}"
    page = visit.page
    visit.ask(SEED)
    page.get_by_role("tab", name="Add a policy").click()
    page.locator("#pqa-upload input[type=file]").set_input_files(str(DATA / "docs" / "northwind.html"))
    page.get_by_text("northwind.html").first.wait_for(timeout=30_000)  # uploaded, shown in the file field
    page.locator("#pqa-name input, #pqa-name textarea").first.fill(name)
    visit.screenshot("app-add-policy.png")
    page.evaluate(WATCH_PROGRESS)
    page.locator("#pqa-add").click()
    # Indexed, chosen, and back on the Ask tab with a chat of its own; one progress display, in the tab's note.
    page.locator("#pqa-chat .pqa-info").wait_for(timeout=ANSWER_TIMEOUT_MS)
    assert "Northwind Traders Privacy Notice" in page.locator("#pqa-chat .pqa-info").inner_text()
    assert page.evaluate("[...window.pqaProgress]") in ([], ["pqa-add-status"])
    assert visit.tab_selected("ask") and name in page.locator("#pqa-choose input").input_value()
    assert page.locator("#pqa-header h1").inner_text() == "Northwind Traders Privacy Notice"
    assert visit.query()["policy"] == [name]
    visit.ask("Who receives my postal address?")
    citation = page.locator("#pqa-chat .pqa-answer a.pqa-cite").first
    assert citation.inner_text().startswith("§2 ¶2 How We Use and Share Information"), citation.inner_text()
    # Its citations open its own text in the Policy tab.
    citation.click()
    page.wait_for_selector(f'[data-policy="{name}"] [id="clause-2.p2"].pqa-target', timeout=10_000)
    assert "Couriers receive your name" in page.locator('[id="clause-2.p2"]').inner_text()
    page.go_back()
    page.wait_for_function("() => location.hash === ''")
    # Back to the shipped policy: its conversation as it was left; then Northwind's again.
    page.locator("#pqa-choose input").click()
    options = page.get_by_role("option").all_inner_texts()
    assert [o for o in options if "alibaba-2015" in o] and [o for o in options if name in o], options
    page.get_by_role("option", name="alibaba-2015").first.click()
    page.wait_for_function("q => document.querySelector('#pqa-chat .pqa-question')?.textContent === q", arg=SEED,
                           timeout=ANSWER_TIMEOUT_MS)  # fmt: skip
    assert page.locator("#pqa-chat .pqa-answer").count() == 1
    assert page.locator("#pqa-header h1").inner_text() == "Alibaba Privacy Policy"
    page.locator("#pqa-choose input").click()
    page.get_by_role("option", name=name).first.click()
    page.wait_for_function("() => document.querySelector('#pqa-chat .pqa-question')?.textContent?.includes('postal')",
                           timeout=ANSWER_TIMEOUT_MS)  # fmt: skip
    assert page.locator("#pqa-chat .pqa-answer").count() == 1
    assert page.locator("#pqa-header h1").inner_text() == "Northwind Traders Privacy Notice"
    assert visit.dialogs == []
    # A page opened later lists the added policy too.
    later = open_at(browser, app_url, size)
    try:
        later.page.locator("#pqa-choose input").click()
        later.page.get_by_role("option", name=name).first.wait_for(timeout=10_000)
    finally:
        later.close()


def test_removing_a_policy_asks_first_and_the_tab_keeps_one_note(policy_dir, browser, app_url, size):
    name = f"zephyr-{size}"
    policy_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(DATA / "docs" / "zephyr.md", policy_dir / f"{name}.md")  # as an interrupted add would leave it
    visit = open_at(browser, app_url, size)  # a page load lists the policies anew
    try:
        page = visit.page
        page.get_by_role("tab", name="Add a policy").click()
        page.locator("#pqa-remove-choose input").click()
        page.get_by_role("option", name=name).first.click()
        page.locator("#pqa-remove").click()
        question = page.locator("#pqa-add-status .pqa-warn")
        question.wait_for(timeout=ANSWER_TIMEOUT_MS)
        assert question.inner_text().startswith(f"Remove {name}?")
        assert (policy_dir / f"{name}.md").exists()
        page.get_by_role("button", name="Keep it").click()
        page.wait_for_function("() => !document.querySelector('#pqa-add-status .pqa-warn')")
        assert not page.get_by_role("button", name="Yes, remove it").is_visible()
        assert (policy_dir / f"{name}.md").exists()
        page.locator("#pqa-remove").click()
        page.get_by_role("button", name="Yes, remove it").click()
        page.locator("#pqa-add-status .pqa-info").wait_for(timeout=ANSWER_TIMEOUT_MS)
        assert page.locator("#pqa-add-status").inner_text().strip().startswith(f"Removed {name}")
        assert page.locator("#pqa-add-status p").count() == 1  # one note, replaced, never stacked
        assert not (policy_dir / f"{name}.md").exists()
        page.locator("#pqa-choose input").click()
        options = page.get_by_role("option").all_inner_texts()
        assert [o for o in options if "alibaba-2015" in o] and not [o for o in options if name in o], options
        assert visit.dialogs == []
    finally:
        visit.close()


# Counts the toasts the page shows.
COUNT_TOASTS = """() => {
  window.pqaToasts = [];
  new MutationObserver((records) => records.forEach((record) => record.addedNodes.forEach((node) => {
    if (node.nodeType === 1 && (node.matches('.toast-body') || node.querySelector('.toast-body')))
      window.pqaToasts.push(node.textContent);
  }))).observe(document.body, { subtree: true, childList: true });
}"""


def test_a_refused_file_gets_one_plain_reason(sized, tmp_path):
    page = sized.page
    page.get_by_role("tab", name="Add a policy").click()
    page.evaluate(COUNT_TOASTS)
    program = bytes(range(256)) * 64
    renamed = tmp_path / "program.pdf"  # a program renamed .pdf
    renamed.write_bytes(b"MZ\x90\x00" + program)
    page.locator("#pqa-upload input[type=file]").set_input_files(str(renamed))
    page.get_by_text("program.pdf").first.wait_for(timeout=30_000)
    page.locator("#pqa-add").click()
    notice = page.locator("#pqa-add-status .pqa-notice")
    notice.wait_for(timeout=ANSWER_TIMEOUT_MS)
    assert "program.pdf" in notice.inner_text() and "PDF" in notice.inner_text()
    assert not re.search(r"Error|Exception|pypdf|Stream", notice.inner_text()), notice.inner_text()
    # A file of a type that is not accepted: one toast, however it is given.
    page.locator("#pqa-upload button[aria-label='Clear'], #pqa-upload button[title='Clear']").first.click()
    program_exe = tmp_path / "program.exe"
    program_exe.write_bytes(b"MZ\x90\x00" + program)
    page.locator("#pqa-upload input[type=file]").set_input_files(str(program_exe))
    page.wait_for_function("() => window.pqaToasts.length > 0", timeout=10_000)
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
    toasts = page.evaluate("window.pqaToasts")
    assert len(toasts) == 1 and "Invalid file type" in toasts[0], toasts


def test_list_items_keep_their_markers_and_the_address_chooses_the_policy(policy_dir, browser, app_url):
    policy_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(DATA / "docs" / "acme.md", policy_dir / "acme-lists.md")
    opened = Visit(browser, f"{app_url}?policy=acme-lists#clause-A.p1")
    try:
        page = opened.page
        page.wait_for_selector('[data-policy="acme-lists"] [id="clause-A.p1"].pqa-target', timeout=ANSWER_TIMEOUT_MS)
        assert opened.tab_selected("policy")
        assert page.locator("#pqa-header h1").inner_text() == "Acme Cloud Privacy Policy"
        assert "acme-lists" in page.locator("#pqa-choose input").input_value()
        items = page.locator('[id="clause-A.p1"] ul.pqa-list > li')
        assert items.all_inner_texts() == ["IP address", "Browser type", "Pages you visit"]
        style = items.first.evaluate("li => [getComputedStyle(li).display, getComputedStyle(li).listStyleType]")
        assert style == ["list-item", "disc"]
    finally:
        opened.close()


def test_phone_width_has_no_sideways_scrolling(browser, app_url):
    phone = Visit(browser, app_url, width=390, height=844)
    try:
        phone.ask(SEED)
        assert phone.page.evaluate("document.documentElement.scrollWidth") <= 390
        assert phone.page.locator("#pqa-chat a.pqa-cite").first.is_visible()
        phone.page.get_by_role("tab", name="Policy", exact=True).click()
        assert phone.page.evaluate("document.documentElement.scrollWidth") <= 390
        phone.screenshot("app-phone.png")
    finally:
        phone.close()
