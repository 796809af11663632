"""The web app: `python app.py` serves the chat assistant and the `/ask` API on 127.0.0.1.

Thin: it serves a `Catalog` of policies (the shipped one first; each browser
session chooses one, and may upload another to be indexed), turns questions
into `ask` calls and answers and policies into HTML from `qa.render` and
`qa.render_policy`, and wires Gradio. Nothing is fetched from outside the
machine: analytics are off, the theme uses system fonts, there is no CDN.
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import sys
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

# subtle: Gradio reads this when it is imported; set it first so nothing phones home.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

import gradio as gr  # noqa: E402

from qa import PolicyQA, QAError, Settings, render, render_policy  # noqa: E402
from qa.answer import clean_question  # noqa: E402
from qa.catalog import Catalog  # noqa: E402
from qa.library import MAX_POLICY_BYTES, name_from_file  # noqa: E402
from qa.logs import log_event  # noqa: E402
from qa.parse import SUFFIXES  # noqa: E402

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
INTERNAL_ERROR = "something went wrong while answering; the details are in the server log"
# Gradio's upload route takes at most the largest policy file accepted (`qa.library`); with
# uploads turned off (POLICYQA_ALLOW_UPLOADS=false) it still exists, so it is capped near zero.
MAX_UPLOAD_BYTES = MAX_POLICY_BYTES
NO_UPLOAD_BYTES = 1024
Progress = Callable[..., Any]  # a gr.Progress: progress(fraction, desc=step)
T = TypeVar("T")
Message = dict[str, Any]  # {"role": "user" | "assistant", "content": html, ...} as gr.Chatbot keeps them

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


def _whole(k: object) -> object:
    """A slider's 5.0 as 5; anything else unchanged, for `ask` to accept or reject."""
    return int(k) if isinstance(k, float) and k.is_integer() else k


def _text(value: object) -> str:
    """What can be shown of a submitted value: a str with any lone surrogate as "?"; anything else as ""."""
    return value.encode("utf-8", "replace").decode("utf-8") if isinstance(value, str) else ""


def respond(question: str, history: list[Message] | None, k: float, *, qa: PolicyQA) -> tuple[list[Message], str]:
    """Answer `question` on its own and append it to the chat: (new history, text left in the input box).

    A rejected question stays in the box with a notice in the chat saying what to change; an
    unexpected failure is logged with its traceback and shown as a one-line notice.
    """
    history = list(history or [])
    shown = clean_question(_text(question))
    if shown:
        history.append({"role": "user", "content": render.question_html(shown)})
    try:
        answer = qa.ask(question, _whole(k))  # type: ignore[arg-type]
        reply = render.answer_html(answer, policy=qa.policy)
    except QAError as error:
        history.append({"role": "assistant", "content": render.notice_html(str(error))})
        return history, _text(question)
    except Exception as error:
        log_event("chat_failed", {"error": repr(error)}, level=logging.ERROR, exc_info=True)
        history.append({"role": "assistant", "content": render.notice_html(INTERNAL_ERROR)})
        return history, _text(question)
    history.append({"role": "assistant", "content": reply})
    return history, ""


def respond_from(
    question: str, history: list[Message] | None, k: float, name: str, *, catalog: Catalog
) -> tuple[list[Message], str]:
    """`respond` with the session's chosen policy `name`."""
    try:
        qa = catalog.get(name)
    except QAError as error:
        return [*(history or []), {"role": "assistant", "content": render.notice_html(str(error))}], _text(question)
    return respond(question, history, k, qa=qa)


def ask_example(text: str, history: list[Message] | None, k: float, name: str, *, catalog: Catalog) -> list[Message]:
    """An example button: like `respond`, but a draft in the input box is left alone."""
    return respond_from(text, history, k, name, catalog=catalog)[0]


def ask_json(question: str, k: int, policy: str | None, *, catalog: Catalog) -> dict[str, Any]:
    """The `/ask` API: the same JSON object as `policyqa ask --json`; bad input is a `gr.Error`."""
    try:
        return catalog.get(policy).ask(question, _whole(k)).to_json()  # type: ignore[arg-type]
    except QAError as error:
        # subtle: a user's mistake is not a server fault, so no traceback in the server's log.
        raise gr.Error(str(error), print_exception=False) from None
    except Exception as error:
        log_event("api_failed", {"error": repr(error)}, level=logging.ERROR, exc_info=True)
        raise gr.Error(INTERNAL_ERROR, print_exception=False) from None


def policy_choices(catalog: Catalog) -> list[tuple[str, str]]:
    """The chooser's (label, name) pairs: each policy's title and name, the default first."""
    return [(f"{info.title or info.name} · {info.name}", info.name) for info in catalog.policies()]


def policy_views(qa: PolicyQA) -> tuple[str, str, list[Message]]:
    """What a session shows of its chosen policy: (header, policy view, a fresh chat saying so)."""
    chat: list[Message] = [{"role": "assistant", "content": render_policy.switched_html(qa.policy)}]
    return render_policy.header_html(qa.policy), render_policy.policy_html(qa.policy), chat


def choose(name: str, current: str, *, catalog: Catalog) -> tuple[Any, ...]:
    """Switch this session to policy `name`: (chosen name, chooser, header, policy view, chat).

    The chat starts afresh (its citations point into the policy shown); a policy that cannot
    be loaded leaves everything as it was, with a notice in the chat.
    """
    try:
        qa = catalog.get(name)
    except QAError as error:
        notice = [{"role": "assistant", "content": render.notice_html(str(error), lead="Can’t open that policy")}]
        return current, gr.update(value=current), gr.skip(), gr.skip(), notice
    return name, gr.update(value=name), *policy_views(qa)


def _attempt(action: Callable[[], T], *, lead: str, event: str) -> tuple[T | None, str]:
    """(`action()`, "") or, when it fails, (None, a one-line notice): a `QAError` says what to change;
    anything else is logged as "<event>_failed" with its traceback and shown as `INTERNAL_ERROR`."""
    try:
        return action(), ""
    except QAError as error:
        return None, render.notice_html(str(error), lead=lead)
    except Exception as error:
        log_event(f"{event}_failed", {"error": repr(error)}, level=logging.ERROR, exc_info=True)
        return None, render.notice_html(INTERNAL_ERROR, lead=lead)


def add_policy(file: str | None, name: str, current: str, *, catalog: Catalog, progress: Progress) -> tuple[Any, ...]:
    """Check, copy and index an uploaded policy file, then choose it: (status, chosen name, chooser,
    header, policy view, chat, tabs). A file that is refused leaves all but the status as it was."""
    unchanged = (current, gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip())
    if not file:
        return render.notice_html("choose a policy file first", lead="Can’t add that"), *unchanged
    path = Path(file)
    name = (name or "").strip().lower() or name_from_file(path.name)

    def add() -> PolicyQA:
        return catalog.add(path, name, progress=lambda fraction, step: progress(fraction, desc=step))

    qa, refused = _attempt(add, lead="Can’t add that file", event="add")
    if refused or qa is None:
        return refused, *unchanged
    chooser = gr.update(choices=policy_choices(catalog), value=name)
    return render_policy.added_html(name, qa.policy), name, chooser, *policy_views(qa), gr.Tabs(selected="ask")


def removable_choices(catalog: Catalog) -> list[tuple[str, str]]:
    """The remove form's (label, name) pairs: every policy but the shipped one."""
    return [choice for choice in policy_choices(catalog) if choice[1] != catalog.default]


def remove_policy(name: str | None, current: str, *, catalog: Catalog) -> tuple[Any, ...]:
    """Remove added policy `name`: (status, removable choices, chosen name, chooser, header, policy view,
    chat). A session that had it chosen goes back to the shipped policy; a refusal changes nothing else."""
    # The list is refreshed even then: another tab may have removed a policy meanwhile.
    unchanged = (gr.update(choices=removable_choices(catalog)), current, gr.skip(), gr.skip(), gr.skip(), gr.skip())
    if not name:
        return render.notice_html("choose an added policy first", lead="Can’t remove that"), *unchanged
    _, refused = _attempt(lambda: catalog.remove(name), lead="Can’t remove that", event="remove")
    if refused:
        return refused, *unchanged
    removable = gr.update(choices=removable_choices(catalog), value=None)
    if name != current:
        chooser = gr.update(choices=policy_choices(catalog))
        return render_policy.removed_html(name), removable, current, chooser, gr.skip(), gr.skip(), gr.skip()
    chooser = gr.update(choices=policy_choices(catalog), value=catalog.default)
    return render_policy.removed_html(name), removable, catalog.default, chooser, *policy_views(catalog.get())


def _ask_tab(k_default: int) -> tuple[gr.Chatbot, gr.Textbox, gr.Slider, list[gr.Button]]:
    """The chat (its trash icon clears it), question box, example questions and the k slider."""
    chatbot = gr.Chatbot(
        show_label=False,
        height="58vh",
        min_height=360,
        buttons=["copy", "copy_all"],
        autoscroll=False,  # SCROLL_TO_QUESTION shows the start of a new answer, not its end
        latex_delimiters=[],  # subtle: "$" in a policy must stay a dollar sign, not start TeX
        feedback_options=None,
        placeholder="Ask about the policy in your own words, or pick an example below.",
        elem_id="pqa-chat",
    )
    with gr.Row(elem_id="pqa-examples"):
        buttons = [gr.Button(text, size="sm", variant="secondary") for text in EXAMPLES]
    with gr.Row(equal_height=True):
        question = gr.Textbox(
            show_label=False,
            placeholder="Ask a question, e.g. Who can see my bank details?",
            submit_btn=True,
            elem_id="pqa-question",
            scale=4,
            min_width=260,
        )
        k = gr.Slider(
            *K_RANGE,
            value=min(k_default, K_RANGE[1]),
            step=1,
            label="Clauses to show",
            buttons=[],
            min_width=180,
            elem_id="pqa-k",
        )
    return chatbot, question, k, buttons


def _add_tab() -> tuple[gr.File, gr.Textbox, gr.Button, gr.HTML]:
    """The upload form: a policy file, an optional name, and the button that indexes it."""
    gr.Markdown(
        f"Add the privacy policy of any service: an HTML page saved from the browser, Markdown or plain "
        f"text, up to {MAX_POLICY_BYTES // 1_000_000} MB. Its sections and numbering become the citations. "
        "The file stays on this machine."
    )
    upload = gr.File(
        label="Policy file (.html, .md or .txt)",
        file_types=sorted(SUFFIXES),
        file_count="single",
        type="filepath",
        elem_id="pqa-upload",
    )
    name = gr.Textbox(
        label="Name",
        placeholder="made from the file name, e.g. acme-cloud",
        info="lower-case letters, digits and dashes; an earlier policy of the same name is replaced",
        max_lines=1,
        elem_id="pqa-name",
    )
    button = gr.Button("Add and index", variant="primary", elem_id="pqa-add")
    status = gr.HTML(elem_id="pqa-add-status")
    return upload, name, button, status


def _remove_form() -> tuple[gr.Dropdown, gr.Button, gr.HTML]:
    """Remove an added policy: which one, the button, and what happened."""
    gr.Markdown("Remove a policy added here or with `policyqa index`. The shipped policy stays.")
    which = gr.Dropdown(choices=[], value=None, label="Added policy", filterable=False, elem_id="pqa-remove-choose")
    button = gr.Button("Remove", variant="stop", elem_id="pqa-remove")
    status = gr.HTML(elem_id="pqa-remove-status")
    return which, button, status


def _wire_library(
    demo: gr.Blocks,
    catalog: Catalog,
    add_form: tuple[gr.File, gr.Textbox, gr.Button, gr.HTML],
    remove_form: tuple[gr.Dropdown, gr.Button, gr.HTML],
    views: list[Any],
    tabs: gr.Tabs,
) -> None:
    """The Add a policy tab's events: add (with progress), remove, and the list of removable policies."""
    upload, name, add, status = add_form
    which, remove, removed = remove_form

    def add_file(file: str | None, name: str, current: str, progress: gr.Progress = gr.Progress()):  # noqa: ANN202, B008
        return add_policy(file, name, current, catalog=catalog, progress=progress)

    def removable() -> Any:
        return gr.update(choices=removable_choices(catalog))

    # Adding and removing share a queue of their own: questions are answered while a policy is indexed,
    # and a removal waits for an indexing run to end instead of holding up the questions behind it.
    library: dict[str, Any] = {"api_visibility": "private", "concurrency_id": "add"}
    add.click(add_file, [upload, name, views[0]], [status, *views, tabs], **library).then(
        removable, None, which, **library
    )
    demo.load(removable, None, which, **library)
    remove.click(partial(remove_policy, catalog=catalog), [which, views[0]], [removed, which, *views], **library)


def build_app(catalog: Catalog) -> gr.Blocks:
    """The Blocks app over a `Catalog` of policies (shared by every session; each session chooses one)."""
    default = catalog.get()
    with gr.Blocks(title="PolicyQA", analytics_enabled=False) as demo:
        current = gr.State(catalog.default)  # this session's chosen policy
        header = gr.HTML(render_policy.header_html(default.policy), elem_id="pqa-header")
        chooser = gr.Dropdown(
            choices=policy_choices(catalog),
            value=catalog.default,
            label="Policy",
            info="the shipped policy and any added on the “Add a policy” tab or with `policyqa index`",
            filterable=False,
            elem_id="pqa-choose",
        )
        with gr.Tabs(elem_id="pqa-tabs") as tabs:
            with gr.Tab("Ask", id="ask"):
                chatbot, question, k, buttons = _ask_tab(default.settings.k)
            with gr.Tab("Policy", id="policy", render_children=True):
                policy_view = gr.HTML(render_policy.policy_html(default.policy), elem_id="pqa-policy")
            if catalog.settings.allow_uploads:
                with gr.Tab("Add a policy", id="add"):
                    upload, name, add, status = _add_tab()
                    which, remove, removed = _remove_form()

        # One queue for every call into the shared model: a question at a time.
        private: dict[str, Any] = {"api_visibility": "private", "concurrency_id": "qa"}
        answer = partial(respond_from, catalog=catalog)
        events = [question.submit(answer, [question, chatbot, k, current], [chatbot, question], **private)]
        for button, text in zip(buttons, EXAMPLES, strict=True):
            example = partial(ask_example, text, catalog=catalog)
            events.append(button.click(example, [chatbot, k, current], chatbot, **private))
        for event in events:
            event.then(None, js=SCROLL_TO_QUESTION)
        # Each page load lists the policies anew: ones added since the app started are included.
        demo.load(lambda: gr.update(choices=policy_choices(catalog)), None, chooser, **private)
        views = [current, chooser, header, policy_view, chatbot]
        chooser.input(partial(choose, catalog=catalog), [chooser, current], views, **private)
        if catalog.settings.allow_uploads:
            _wire_library(demo, catalog, (upload, name, add, status), (which, remove, removed), views, tabs)

        def ask(question: str, k: int = default.settings.k, policy: str | None = None) -> dict[str, Any]:
            """Cited clauses for `question` about `policy` (a name from `policyqa list`; None: the shipped
            one), best first: the JSON of `policyqa ask --json`."""
            return ask_json(question, k, policy, catalog=catalog)

        gr.api(ask, api_name="ask", concurrency_id="qa")
    return demo


def launch_options(*, uploads: bool = True) -> dict[str, Any]:
    """Look and privacy settings for `Blocks.launch`: system fonts, our CSS/JS, no telemetry or tunnels."""
    theme = gr.themes.Soft(primary_hue="indigo", neutral_hue="slate", font=SYSTEM_FONTS, font_mono=MONO_FONTS)
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
        "footer_links": ["api"],
        "max_file_size": MAX_UPLOAD_BYTES if uploads else NO_UPLOAD_BYTES,
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
    parser = argparse.ArgumentParser(prog="app.py", description="Serve the PolicyQA web app.")
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
        catalog.get()  # the default policy now, so a broken setup fails here and not in the page
    except QAError as error:
        print(f"policyqa: error: {error}", file=sys.stderr)
        return 2
    try:
        build_app(catalog).launch(
            server_name=args.host,
            server_port=args.port,
            inbrowser=not args.no_browser and _has_display(),
            **launch_options(uploads=catalog.settings.allow_uploads),
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
