"""The first screen in Chromium at a desktop's, a laptop's and a phone's size: the question box and the
example questions show without scrolling, the header says whose policy it is and of when; and the
README's screenshots (written to docs/ only with UPDATE_SCREENSHOT=1).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

from qa.settings import ROOT
from tests.test_browser import (  # noqa: F401 - the browser fixtures
    NOT_COVERED,
    SEED,
    SIZES,
    Visit,
    app_home,
    app_url,
    browser,
    chromium_path,
)

pytestmark = [pytest.mark.browser, pytest.mark.model]

# The README's pictures: docs/<name> from a screenshot of the Ask tab.
SCREENSHOTS = {"answer": "screenshot.png", "not-covered": "screenshot-not-covered.png", "phone": "screenshot-phone.png"}


def first_screen(visit: Visit) -> dict[str, float]:
    """Where the first screen's parts are, in px from the top of the page: the question box's top and
    bottom, the lowest example's bottom, the send button's bottom, and how far the page is scrolled."""
    return visit.page.evaluate(
        """() => {
          const box = (selector) => document.querySelector(selector).getBoundingClientRect();
          const examples = [...document.querySelectorAll('#pqa-examples button')].map((b) => b.getBoundingClientRect());
          return {
            question_top: box('#pqa-question textarea').top + scrollY,
            question_bottom: box('#pqa-question').bottom + scrollY,
            send_bottom: box('#pqa-question button.submit-button').bottom + scrollY,
            examples_bottom: Math.max(...examples.map((r) => r.bottom)) + scrollY,
            examples: examples.length,
            scrolled: scrollY,
          };
        }"""
    )


@pytest.fixture(params=list(SIZES))
def screen(request, browser, app_url) -> Iterator[tuple[str, Visit]]:  # noqa: F811
    width, height = SIZES[request.param]
    opened = Visit(browser, app_url, width=width, height=height)
    yield request.param, opened
    opened.close()


def test_the_question_box_and_the_examples_show_on_the_first_screen(screen):
    size, visit = screen
    height = SIZES[size][1]
    visit.page.wait_for_function("() => document.getElementById('pqa-chat').getBoundingClientRect().height > 0")
    shown = first_screen(visit)
    assert shown["scrolled"] == 0 and shown["examples"] == 5
    assert shown["question_bottom"] <= height and shown["send_bottom"] <= height, (size, shown)
    assert shown["examples_bottom"] <= shown["question_top"], (size, shown)
    # An answer does not push them away.
    visit.ask(SEED)
    after = first_screen(visit)
    assert after["scrolled"] == 0 and after["question_bottom"] <= height, (size, after)
    assert visit.page.evaluate("document.documentElement.scrollWidth") <= SIZES[size][0]


def test_the_header_says_whose_policy_it_is_and_of_when(screen):
    _, visit = screen
    assert visit.page.locator("#pqa-header h1").inner_text() == "Alibaba Privacy Policy"
    assert visit.page.locator("#pqa-header .pqa-sub").inner_text().startswith("Updated November 2015.")
    assert visit.in_view(visit.page.locator("#pqa-header h1")) and visit.in_view(visit.page.locator("#pqa-choose"))


def keep(visit: Visit, picture: str) -> None:
    """A screenshot of the page; with UPDATE_SCREENSHOT=1 it also replaces docs/<picture>."""
    shot = visit.screenshot(picture)
    if os.environ.get("UPDATE_SCREENSHOT") == "1":
        shutil.copyfile(shot, ROOT / "docs" / picture)


def test_screenshots_of_the_ask_tab(browser, app_url):  # noqa: F811
    for picture, question, size in (("answer", SEED, "desktop"), ("not-covered", NOT_COVERED, "desktop"),
                                    ("phone", SEED, "phone")):  # fmt: skip
        opened = Visit(browser, app_url, width=SIZES[size][0], height=SIZES[size][1])
        try:
            opened.ask(question)
            opened.wait_for_scroll_to(question)
            keep(opened, SCREENSHOTS[picture])
        finally:
            opened.close()
