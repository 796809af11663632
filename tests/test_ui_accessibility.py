"""Accessibility in Chromium: axe-core finds no serious or critical violation on the Ask, Policy and Add a
policy tabs, in the light and the dark theme, at a desktop's and a phone's size; every control has a name;
a citation can be followed and come back from by keyboard.

axe-core comes from the npm registry, pinned in tests/ui-tools/package-lock.json: it is read from
tests/ui-tools/node_modules when `npm ci` was run there, and otherwise installed into a temporary folder
(never the checkout). It is injected into the page as a script: nothing is fetched by the page.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_browser import (  # noqa: F401 - the browser fixtures
    NOT_COVERED,
    SEED,
    Visit,
    app_home,
    app_url,
    browser,
    chromium_path,
)

pytestmark = [pytest.mark.browser, pytest.mark.model]

UI_TOOLS = Path(__file__).parent / "ui-tools"
AXE = Path("node_modules") / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")


@pytest.fixture(scope="module")
def axe_source(tmp_path_factory: pytest.TempPathFactory) -> str:
    """axe-core's script: from tests/ui-tools/node_modules, else `npm ci` of the same lock file in tmp."""
    if (UI_TOOLS / AXE).exists():
        return (UI_TOOLS / AXE).read_text(encoding="utf-8")
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is missing: install Node.js and npm, or run `npm ci` in tests/ui-tools")
    folder = tmp_path_factory.mktemp("ui-tools")
    for name in ("package.json", "package-lock.json"):
        shutil.copyfile(UI_TOOLS / name, folder / name)
    done = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--cache", str(folder / "npm-cache")],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"npm ci of axe-core failed:\n{done.stderr[-2000:]}")
    return (folder / AXE).read_text(encoding="utf-8")


def violations(opened: Visit, axe: str) -> list[dict]:
    """axe's serious and critical violations on the page as it is now: rule, impact, and where."""
    if not opened.page.evaluate("typeof window.axe === 'object'"):
        opened.page.add_script_tag(content=axe)
    found = opened.page.evaluate("async () => (await axe.run(document, { resultTypes: ['violations'] })).violations")
    return [
        {"rule": v["id"], "impact": v["impact"], "where": [" ".join(node["target"]) for node in v["nodes"][:5]]}
        for v in found
        if v["impact"] in BLOCKING
    ]


@pytest.fixture
def opened(browser, app_url) -> Iterator[Visit]:  # noqa: F811
    page = Visit(browser, app_url)
    yield page
    page.close()


@pytest.fixture(params=["light", "dark"])
def themed(request, browser, app_url) -> Iterator[tuple[str, Visit]]:  # noqa: F811
    opened = Visit(browser, f"{app_url}?__theme={request.param}")
    yield request.param, opened
    opened.close()


def test_axe_finds_nothing_serious_on_any_tab(themed, axe_source):
    theme, opened = themed
    page = opened.page
    assert page.evaluate("document.body.classList.contains('dark')") == (theme == "dark")
    opened.ask(NOT_COVERED)  # first: asked after another question, it would be read with that one
    opened.ask(SEED)
    page.locator("#pqa-chat .pqa-answer").first.get_by_text("Show the closest 5 clauses anyway").click()
    page.locator("#pqa-chat .pqa-answer").last.get_by_text("Show the whole clause").first.click()
    found = {"ask": violations(opened, axe_source)}
    page.locator("#pqa-chat .pqa-answer a.pqa-cite").first.click()
    page.wait_for_selector(".pqa-clause.pqa-target", timeout=10_000)
    found["policy"] = violations(opened, axe_source)
    page.get_by_role("tab", name="Add a policy").click()
    page.locator("#pqa-upload").wait_for()
    page.locator("#pqa-remove").click()  # its note shows too
    page.locator("#pqa-add-status .pqa-notice").wait_for(timeout=10_000)
    found["add"] = violations(opened, axe_source)
    assert found == {"ask": [], "policy": [], "add": []}, json.dumps(found, indent=1)


def test_axe_finds_nothing_serious_on_a_phone(browser, app_url, axe_source):  # noqa: F811
    phone = Visit(browser, app_url, width=390, height=844)
    try:
        phone.ask(SEED)
        assert violations(phone, axe_source) == []
    finally:
        phone.close()


def test_every_control_has_a_name(opened):
    page = opened.page
    assert page.get_by_role("button", name="Ask", exact=True).is_visible()  # the send button
    assert page.get_by_role("textbox", name="Your question").is_visible()
    assert page.get_by_role("combobox", name="How many clauses to show").is_visible()
    assert page.get_by_role("combobox", name="Policy").is_visible()


def test_a_citation_is_followed_and_left_by_keyboard(opened):
    page = opened.page
    box = page.locator("#pqa-question textarea")
    box.focus()
    page.keyboard.type(SEED)
    page.keyboard.press("Enter")
    opened.wait_for_replies(1)
    citation = page.locator("#pqa-chat .pqa-answer a.pqa-cite").first
    citation.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector(".pqa-clause.pqa-target", timeout=10_000)
    assert opened.tab_selected("policy")
    back = page.get_by_role("button", name="← Back to the answer")
    back.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement?.classList.contains('pqa-cite')", timeout=10_000)
    assert opened.tab_selected("ask")
    # The whole clause opens from the keyboard too.
    toggle = page.locator("#pqa-chat .pqa-answer .pqa-hit summary").first
    toggle.focus()
    page.keyboard.press("Enter")
    assert page.locator("#pqa-chat .pqa-answer .pqa-hit .pqa-text").first.is_visible()
