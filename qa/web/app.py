"""The web app: `policyqa serve` (or `python app.py`) serves the chat assistant and the `/ask` API on 127.0.0.1.

Thin: it serves a `Catalog` of policies (the shipped one first; each browser
session chooses one, and may upload another to be indexed), lays out the page
and wires its events to `qa.web.events`, which turn questions into `ask` calls
and answers into HTML. Nothing is fetched from outside the machine: analytics
are off, the theme uses system fonts, there is no CDN.
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import gradio as gr
from starlette.middleware import Middleware

from qa.errors import QAError
from qa.library.files import MAX_POLICY_BYTES
from qa.read.documents import FILE_TYPES, SUFFIXES
from qa.settings import Settings
from qa.web import events as app_events
from qa.web import policy_view as render_policy
from qa.web import render
from qa.web.ask_route import AskDefaults
from qa.web.catalog import Catalog
from qa.web.upload_route import UploadLimits

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860
K_RANGE = (1, 10)
EXAMPLES = (
    "Who can see my bank details?",
    "Do you use cookies?",
    "Can I correct my personal data?",
    "Is my password safe?",
    "Do you collect information about children?",
)

SYSTEM_FONTS = ("ui-sans-serif", "system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "sans-serif")
MONO_FONTS = ("ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace")

# The page's own CSS and scripts (each file says what it does and why).
STATIC = Path(__file__).resolve().parent / "static"


def _static(name: str) -> str:
    return (STATIC / name).read_text(encoding="utf-8")


PAGE_CSS = _static("page.css")  # layout around our markup; `render.STYLESHEET` styles the markup itself
FRAME_CSS = _static("frame.css")  # goes into <head>
JS = _static("page.js")
SCROLL_TO_QUESTION = _static("scroll-to-question.js")


def _ask_tab(k_default: int) -> tuple[gr.Chatbot, gr.Textbox, gr.Dropdown, list[gr.Button]]:
    """The chat (its trash icon clears it), example questions, the question box and how many clauses to show."""
    chatbot = gr.Chatbot(
        show_label=False,
        buttons=["copy", "copy_all"],
        autoscroll=False,  # SCROLL_TO_QUESTION shows the start of a new answer, not its end
        latex_delimiters=[],  # subtle: "$" in a policy must stay a dollar sign, not start TeX
        feedback_options=None,
        placeholder="Ask about the policy in your own words, or pick an example below.",
        elem_id="pqa-chat",
    )  # its height is set by page.css, so that the question box shows on the first screen
    with gr.Row(elem_id="pqa-examples"):
        buttons = [gr.Button(text, size="sm", variant="secondary") for text in EXAMPLES]
    with gr.Row(equal_height=True, elem_id="pqa-ask-row"):
        question = gr.Textbox(
            show_label=False,
            label="Your question",
            placeholder="Your question…",
            submit_btn="Ask",
            elem_id="pqa-question",
            scale=4,
            min_width=240,
            max_lines=6,
        )
        k = gr.Dropdown(
            choices=[(f"{n} clause{'s' if n > 1 else ''}", n) for n in range(K_RANGE[0], K_RANGE[1] + 1)],
            value=min(k_default, K_RANGE[1]),
            show_label=False,
            label="How many clauses to show",
            filterable=False,
            min_width=120,
            elem_id="pqa-k",
        )
    return chatbot, question, k, buttons


def _add_tab() -> tuple[gr.File, gr.Textbox, gr.Button, gr.HTML]:
    """The upload form: a policy file, an optional name, the button that indexes it, and the tab's one note."""
    gr.Markdown(
        "Add the privacy policy of any service: an HTML page saved from the browser, a PDF with text in it "
        f"(not a scan), Markdown or plain text, up to {MAX_POLICY_BYTES // 1_000_000} MB. Its sections and "
        "numbering become the citations. The file stays on this machine."
    )
    upload = gr.File(
        label=f"Policy file ({FILE_TYPES})",
        file_types=sorted(SUFFIXES),
        file_count="single",
        type="filepath",
        elem_id="pqa-upload",
    )
    name = gr.Textbox(
        label="Name",
        placeholder="made from the file name, e.g. acme-cloud",
        info="lower-case letters, digits and dashes; an earlier added policy of the same name is replaced",
        max_lines=1,
        elem_id="pqa-name",
    )
    button = gr.Button("Add and index", variant="primary", elem_id="pqa-add")
    status = gr.HTML(elem_id="pqa-add-status")  # what adding or removing did, and the progress of an add
    return upload, name, button, status


@dataclass(frozen=True)
class RemoveForm:
    """Remove an added policy: which one, the button, and the "remove it?" question's two answers."""

    which: gr.Dropdown
    remove: gr.Button
    confirm: gr.Row
    yes: gr.Button
    keep: gr.Button


def _remove_form() -> RemoveForm:
    gr.Markdown("Remove a policy added here. The shipped policy stays.")
    which = gr.Dropdown(choices=[], value=None, label="Added policy", filterable=False, elem_id="pqa-remove-choose")
    remove = gr.Button("Remove…", variant="stop", elem_id="pqa-remove")
    with gr.Row(visible=False, elem_id="pqa-remove-confirm") as confirm:
        yes = gr.Button("Yes, remove it", variant="stop", elem_id="pqa-remove-yes")
        keep = gr.Button("Keep it", variant="secondary", elem_id="pqa-remove-keep")
    return RemoveForm(which, remove, confirm, yes, keep)


@dataclass(frozen=True)
class Page:
    """The components a `View` names, so that handlers return named outputs, not tuples matched by position."""

    chooser: gr.Dropdown
    header: gr.HTML
    policy_view: gr.HTML
    chat: gr.Chatbot
    question: gr.Textbox
    tabs: gr.Tabs
    address: gr.HTML
    status: gr.HTML | None = None
    removable: gr.Dropdown | None = None
    confirm: gr.Row | None = None

    def outputs(self) -> list[Any]:
        return [c for c in (self.chooser, self.header, self.policy_view, self.chat, self.question, self.tabs,
                            self.address, self.status, self.removable, self.confirm) if c is not None]  # fmt: skip

    def updates(self, view: app_events.View) -> dict[Any, Any]:
        """`view` as Gradio updates of these components; what it leaves None is skipped."""
        pairs = (("choices", view.choices), ("value", view.choice))
        chooser: dict[str, Any] = {key: value for key, value in pairs if value is not None}
        values: dict[Any, Any] = {
            self.chooser: gr.update(**chooser) if chooser else None,
            self.header: view.header,
            self.policy_view: view.policy_view,
            self.chat: view.chat,
            self.question: view.question,
            self.tabs: gr.Tabs(selected=view.tab) if view.tab else None,
            self.address: view.address,
            self.status: view.status,
            self.removable: gr.update(choices=view.removable, value=None) if view.removable is not None else None,
            self.confirm: gr.update(visible=view.confirming) if view.confirming is not None else None,
        }
        return {c: gr.skip() if v is None else v for c, v in values.items() if c is not None}

    def handler(self, action: Callable[..., app_events.View]) -> Callable[..., dict[Any, Any]]:
        """`action`, its `View` turned into updates of this page."""

        def handle(*args: Any) -> dict[Any, Any]:
            return self.updates(action(*args))

        return handle

    def streamer(self, action: Callable[..., Iterator[app_events.View]]) -> Callable[..., Iterator[dict[Any, Any]]]:
        """`action`, each `View` it yields turned into updates of this page."""

        def stream(*args: Any) -> Iterator[dict[Any, Any]]:
            for view in action(*args):
                yield self.updates(view)

        return stream


# Event options. Handlers that only show what the tab's `Session` holds run at once, in a queue of their
# own; every call into the shared model goes through one queue, a question at a time. Each event shows its
# own progress (the chat's "Searching the policy…", the add form's note), never Gradio's over every output.
AT_ONCE: dict[str, Any] = {"api_visibility": "private", "concurrency_id": "page", "concurrency_limit": None,
                           "show_progress": "hidden", "trigger_mode": "multiple"}  # fmt: skip
MODEL: dict[str, Any] = {"api_visibility": "private", "concurrency_id": "qa", "show_progress": "hidden",
                         "trigger_mode": "multiple"}  # fmt: skip


def _wire_chat(demo: gr.Blocks, catalog: Catalog, page: Page, session: gr.State, k: gr.Dropdown,
               buttons: list[gr.Button]) -> None:  # fmt: skip
    """Questions (the box, the examples, `?q=` in the address): shown at once, then answered in order."""
    outputs = page.outputs()
    answer = page.streamer(partial(app_events.answer_waiting, catalog=catalog))
    send = page.handler(partial(app_events.send, catalog=catalog))
    sent = [page.question.submit(send, [page.question, k, session], outputs, **AT_ONCE)]
    for button, text in zip(buttons, EXAMPLES, strict=True):
        example = page.handler(partial(app_events.send_example, text, catalog=catalog))
        sent.append(button.click(example, [k, session], outputs, **AT_ONCE))

    def open_page(session_: app_events.Session, k_: int, request: gr.Request) -> dict[Any, Any]:
        return page.updates(app_events.open_page(session_, k_, dict(request.query_params), catalog=catalog))

    sent.append(demo.load(open_page, [session, k], outputs, **AT_ONCE))
    for event in sent:
        shown = event.then(None, js=SCROLL_TO_QUESTION)
        shown.then(answer, session, outputs, **MODEL).then(None, js=SCROLL_TO_QUESTION)
    page.chat.clear(page.handler(app_events.clear_chat), session, outputs, **AT_ONCE)


def _wire_library(demo: gr.Blocks, catalog: Catalog, page: Page, session: gr.State,
                  add_form: tuple[gr.File, gr.Textbox, gr.Button], form: RemoveForm) -> None:  # fmt: skip
    """The Add a policy tab's events: add (with progress), remove (once confirmed), and the list of removable
    policies."""
    upload, name, add = add_form
    assert page.removable is not None and page.status is not None  # the tab exists only with uploads on

    def add_file(file: str | None, name: str, session_: app_events.Session,
                 progress: gr.Progress = gr.Progress()) -> dict[Any, Any]:  # noqa: B008  # fmt: skip
        return page.updates(app_events.add_policy(file, name, session_, catalog=catalog, progress=progress))

    def removable() -> Any:
        return gr.update(choices=app_events.removable_choices(catalog))

    # Adding and removing share a queue of their own: questions are answered while a policy is indexed,
    # and a removal waits for an indexing run to end instead of holding up the questions behind it.
    library: dict[str, Any] = {"api_visibility": "private", "concurrency_id": "add"}
    outputs = page.outputs()
    added = add.click(add_file, [upload, name, session], outputs, show_progress_on=[page.status], **library)
    added.then(removable, None, page.removable, show_progress="hidden", **library)
    demo.load(removable, None, page.removable, show_progress="hidden", **library)
    ask = page.handler(partial(app_events.ask_removal, catalog=catalog))
    form.remove.click(ask, form.which, outputs, show_progress="hidden", **library)
    form.keep.click(page.handler(app_events.cancel_removal), None, outputs, show_progress="hidden", **library)
    remove = page.handler(partial(app_events.remove_policy, catalog=catalog))
    form.yes.click(remove, [form.which, session], outputs, show_progress="hidden", **library)


def build_app(catalog: Catalog) -> gr.Blocks:
    """The Blocks app over a `Catalog` of policies (shared by every session; each session chooses one)."""
    default = catalog.load()
    # Gradio's copies of uploads and its other temporary files are purged hourly once an hour old.
    with gr.Blocks(title="PolicyQA", analytics_enabled=False, delete_cache=(3600, 3600)) as demo:
        # This browser tab's policy and conversations; gr.State gives each tab a deep copy. subtle: not a
        # callable, which Gradio would call in a load event of its own, after `events.open_page` used it.
        session = gr.State(app_events.Session(catalog.default))
        with gr.Row(elem_id="pqa-top", equal_height=False):
            header = gr.HTML(render_policy.header_html(default.policy), elem_id="pqa-header")
            chooser = gr.Dropdown(
                choices=app_events.policy_choices(catalog),
                value=catalog.default,
                label="Policy",
                filterable=False,
                elem_id="pqa-choose",
            )
        address = gr.HTML("", elem_id="pqa-address")  # read by page.js into the address bar; never shown
        status = form = None
        with gr.Tabs(elem_id="pqa-tabs") as tabs:
            with gr.Tab("Ask", id="ask"):
                chatbot, question, k, buttons = _ask_tab(default.settings.k)
            with gr.Tab("Policy", id="policy", render_children=True):
                policy_view = gr.HTML(
                    render_policy.policy_html(default.policy, name=catalog.default), elem_id="pqa-policy"
                )
            if catalog.settings.allow_uploads:
                with gr.Tab("Add a policy", id="add"):
                    upload, name, add, status = _add_tab()
                    form = _remove_form()
        page = Page(chooser, header, policy_view, chatbot, question, tabs, address, status,
                    form.which if form else None, form.confirm if form else None)  # fmt: skip
        _wire_chat(demo, catalog, page, session, k, buttons)
        # Choosing waits for the policy to load, in a queue of its own: questions are answered meanwhile.
        # Only a choice made in the list counts (not opening and closing it), and only one that differs
        # from the tab's policy (`events.choose`).
        choosing: dict[str, Any] = {"api_visibility": "private", "concurrency_id": "choose", "concurrency_limit": None,
                                    "show_progress_on": [header], "show_progress": "minimal"}  # fmt: skip
        chooser.select(page.handler(partial(app_events.choose, catalog=catalog)), [chooser, session], page.outputs(),
                       **choosing)  # fmt: skip
        if form is not None:
            _wire_library(demo, catalog, page, session, (upload, name, add), form)

        def ask(question: str, k: int = default.settings.k, policy: str | None = None) -> dict[str, Any]:
            """Cited clauses for `question` about `policy` (a name from `policyqa list`; None: the shipped
            one), best first: the JSON of `policyqa ask --json`."""
            return app_events.ask_json(question, k, policy, catalog=catalog)

        gr.api(ask, api_name="ask", concurrency_id="qa")
    return demo


def launch_options(*, uploads: bool = True, k: int = Settings.k) -> dict[str, Any]:
    """Look and privacy settings for `Blocks.launch`: system fonts, our CSS/JS, no telemetry or tunnels;
    `/ask` called with fewer values takes k and the policy from their defaults."""
    theme = gr.themes.Soft(primary_hue="indigo", neutral_hue="slate", font=SYSTEM_FONTS, font_mono=MONO_FONTS).set(
        # Labels at 4.5:1 or more on their badges, in light and dark (the theme's own are about 3.6:1).
        block_title_text_color="*primary_800",
        block_label_text_color="*primary_800",
        block_label_text_color_dark="white",
        block_title_text_color_dark="white",
        button_primary_background_fill="*primary_600",
        button_primary_background_fill_hover="*primary_700",
        button_primary_background_fill_dark="*primary_600",
        button_primary_background_fill_hover_dark="*primary_700",
        button_secondary_background_fill_hover_dark="*primary_700",
        button_cancel_background_fill_hover_dark="*primary_700",
    )
    return {
        "theme": theme,
        "css": render.STYLESHEET + PAGE_CSS,
        "head": f"<style>{FRAME_CSS}</style>",
        "js": JS,
        "share": False,
        "ssr_mode": False,
        "pwa": False,
        "mcp_server": False,
        "run_history": False,
        "footer_links": [],  # no "Use via API" for people; /ask is documented in the README
        "max_file_size": app_events.MAX_UPLOAD_BYTES if uploads else app_events.NO_UPLOAD_BYTES,
        "app_kwargs": {
            "middleware": [
                Middleware(AskDefaults, defaults=["", k, None]),
                Middleware(UploadLimits, max_bytes=app_events.MAX_UPLOAD_BYTES, allowed=uploads),
            ]
        },
    }


def port_number(value: str) -> int:
    """A TCP port from text: port_number("8080") -> 8080; anything outside 1..65535 is a ValueError."""
    port = int(value)
    if not 0 < port < 65536:
        raise ValueError(value)
    return port


def parse_args(argv: Sequence[str] | None = None, environ: dict[str, str] | None = None) -> argparse.Namespace:
    """--host/--port/--no-browser; host and port default to POLICYQA_HOST/POLICYQA_PORT, then 127.0.0.1:7860."""
    env = dict(os.environ if environ is None else environ)
    parser = argparse.ArgumentParser(prog="policyqa serve", description="Serve the PolicyQA web app.")
    parser.add_argument("--host", default=env.get("POLICYQA_HOST", DEFAULT_HOST), help="address to listen on")
    parser.add_argument("--port", type=port_number, default=None, help="port to listen on (default 7860)")
    parser.add_argument("--no-browser", action="store_true", help="do not open a browser tab")
    args = parser.parse_args(argv)
    if args.port is None:
        raw = env.get("POLICYQA_PORT", str(DEFAULT_PORT))
        try:
            args.port = port_number(raw)
        except ValueError:
            parser.error(f"environment variable POLICYQA_PORT={raw!r} is not a port number; fix or unset it")
    return args


def _has_display() -> bool:
    """Whether opening a browser tab can work (not on a headless server or over ssh)."""
    return sys.platform in ("darwin", "win32") or bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def is_loopback(host: str) -> bool:
    """Whether `host` only accepts connections from this machine: is_loopback("127.0.0.1") -> True."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host == "localhost"


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    # One JSON line per answered question (and per failure) on stderr; other libraries stay quiet.
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    logging.getLogger("qa").setLevel(logging.INFO)
    if not is_loopback(args.host):
        print(
            f"policyqa: warning: listening on {args.host}: anyone who can reach this machine on port {args.port} "
            "can use the assistant (no login, no HTTPS)",
            file=sys.stderr,
        )
    print("policyqa: loading the policy index and the embedding model ...", file=sys.stderr)
    try:
        catalog = Catalog(Settings.from_env())
        catalog.load()  # the default policy now, so a broken setup fails here and not in the page
    except QAError as error:
        print(f"policyqa: error: {error}", file=sys.stderr)
        return 2
    try:
        build_app(catalog).launch(
            server_name=args.host,
            server_port=args.port,
            inbrowser=not args.no_browser and _has_display(),
            **launch_options(uploads=catalog.settings.allow_uploads, k=catalog.settings.k),
        )
    except OSError as error:  # the port is taken, or the host is not an address of this machine
        reason = str(error).split(". ")[0]
        print(
            f"policyqa: error: cannot serve on {args.host}:{args.port} ({reason}); try another --port", file=sys.stderr
        )
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
