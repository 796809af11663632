"""The web app: `python app.py` serves the chat assistant and the `/ask` API on 127.0.0.1.

Thin: it loads `PolicyQA` once, turns questions into `ask` calls and answers
into HTML from `qa.render`, and wires Gradio. Nothing is fetched from outside
the machine: analytics are off, the theme uses system fonts, there is no CDN.
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import sys
from collections.abc import Sequence
from functools import partial
from typing import Any

# subtle: Gradio reads this when it is imported; set it first so nothing phones home.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

import gradio as gr  # noqa: E402

from qa import PolicyQA, QAError, Settings, render  # noqa: E402
from qa.answer import clean_question  # noqa: E402
from qa.logs import log_event  # noqa: E402

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
# The app has no upload fields, but Gradio always serves an upload route: cap what it accepts.
MAX_UPLOAD_BYTES = 1024
Message = dict[str, Any]  # {"role": "user" | "assistant", "content": html, ...} as gr.Chatbot keeps them

SYSTEM_FONTS = ("ui-sans-serif", "system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "sans-serif")
MONO_FONTS = ("ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace")

# Layout of the Gradio page around our markup; `render.STYLESHEET` styles the markup itself.
PAGE_CSS = """
.gradio-container { max-width: 980px !important; margin: 0 auto !important; }
#pqa-header h1 { font-size: 1.45rem; margin: 0.1rem 0 0.15rem; }
#pqa-header h1 span { font-weight: 400; font-size: 1rem; color: var(--body-text-color-subdued); }
#pqa-header p { margin: 0; color: var(--body-text-color-subdued); font-size: 0.92rem; }
#pqa-chat .message-wrap { padding-top: 2.4rem; }
#pqa-examples { gap: 6px; }
#pqa-examples button { flex: 0 1 auto !important; min-width: 0 !important; }
@media (max-width: 640px) {
  #pqa-header h1 { font-size: 1.2rem; }
  #pqa-header p { font-size: 0.85rem; }
  #pqa-chat { height: 42vh !important; min-height: 280px !important; }
  #pqa-chat .message-row { margin-left: 0 !important; margin-right: 0 !important; }
  #pqa-chat .message-row.bot-row, #pqa-chat .message { max-width: 100% !important; }
}
"""
# subtle: Gradio nests `css` rules in @media under its own container, so the
# page frame around that container (its side padding) is styled from <head>.
FRAME_CSS = """
@media (max-width: 640px) {
  .gradio-container .main.app { padding-left: 8px !important; padding-right: 8px !important; }
}
"""

# Two small page scripts. (1) A click on any link to "#clause-<id>" (citation,
# defined term, reference; the chat's sanitizer drops data-* attributes, the
# href survives) opens the Policy tab and scrolls to that clause, which stays
# highlighted; "#section-<letter>" links scroll within the policy. (2) The
# chat's copy buttons copy a message's source, which is our HTML; they get the
# answer's plain-text version (`render.answer_text`) instead.
JS = """
() => {
  const openClause = (id) => {
    const tab = document.querySelector('button[role="tab"][data-tab-id="policy"]');
    if (tab && tab.getAttribute('aria-selected') !== 'true') tab.click();
    let tries = 0;
    const reveal = () => {
      const target = document.getElementById('clause-' + id);
      if (!target || target.offsetParent === null) {
        if (++tries < 200) requestAnimationFrame(reveal);
        return;
      }
      document.querySelectorAll('.pqa-clause.pqa-target').forEach((el) => el.classList.remove('pqa-target'));
      target.classList.add('pqa-target');
      target.scrollIntoView({ block: 'center' });
    };
    reveal();
  };
  document.addEventListener('click', (event) => {
    const link = event.target.closest && event.target.closest('a[href^="#clause-"], a[href^="#section-"]');
    if (!link) return;
    event.preventDefault();
    event.stopPropagation();
    const anchor = decodeURIComponent(link.getAttribute('href').slice(1));
    if (anchor.startsWith('clause-')) openClause(anchor.slice('clause-'.length));
    else document.getElementById(anchor)?.scrollIntoView({ block: 'start' });
  }, true);
  const plain = (text) => {
    if (!text.includes('class="pqa-')) return text;
    const doc = new DOMParser().parseFromString(text, 'text/html');  // inert: runs and loads nothing
    doc.querySelectorAll('.pqa-answer').forEach((answer) => {
      const pre = answer.querySelector('.pqa-plain pre');
      answer.replaceWith(doc.createTextNode(pre ? pre.textContent : answer.textContent));
    });
    return doc.body.textContent;
  };
  if (navigator.clipboard) {
    const write = navigator.clipboard.writeText.bind(navigator.clipboard);
    navigator.clipboard.writeText = (text) => write(plain(String(text)));
  }
}
"""

# Scroll the chat (only the chat, not the page) so the newest question or notice is at its top,
# just below the chat's own buttons.
SCROLL_TO_QUESTION = """
() => setTimeout(() => {
  const marks = document.querySelectorAll('#pqa-chat .pqa-question, #pqa-chat .pqa-notice');
  const last = marks[marks.length - 1];
  let box = last && last.parentElement;
  while (box && !/(auto|scroll)/.test(getComputedStyle(box).overflowY)) box = box.parentElement;
  if (box) box.scrollTop += last.getBoundingClientRect().top - box.getBoundingClientRect().top - 44;
}, 150)
"""


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


def ask_example(text: str, history: list[Message] | None, k: float, *, qa: PolicyQA) -> list[Message]:
    """An example button: like `respond`, but a draft in the input box is left alone."""
    return respond(text, history, k, qa=qa)[0]


def ask_json(question: str, k: int, *, qa: PolicyQA) -> dict[str, Any]:
    """The `/ask` API: the same JSON object as `policyqa ask --json`; bad input is a `gr.Error`."""
    try:
        return qa.ask(question, _whole(k)).to_json()  # type: ignore[arg-type]
    except QAError as error:
        # subtle: a user's mistake is not a server fault, so no traceback in the server's log.
        raise gr.Error(str(error), print_exception=False) from None
    except Exception as error:
        log_event("api_failed", {"error": repr(error)}, level=logging.ERROR, exc_info=True)
        raise gr.Error(INTERNAL_ERROR, print_exception=False) from None


def _ask_tab(qa: PolicyQA) -> tuple[gr.Chatbot, gr.Textbox, gr.Slider, list[gr.Button]]:
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
            value=min(qa.settings.k, K_RANGE[1]),
            step=1,
            label="Clauses to show",
            buttons=[],
            min_width=180,
            elem_id="pqa-k",
        )
    return chatbot, question, k, buttons


def build_app(qa: PolicyQA) -> gr.Blocks:
    """The Blocks app around one loaded `PolicyQA` (shared read-only by every session)."""
    with gr.Blocks(title="PolicyQA", analytics_enabled=False) as demo:
        gr.HTML(render.header_html(qa.policy), elem_id="pqa-header")
        with gr.Tabs(elem_id="pqa-tabs"):
            with gr.Tab("Ask", id="ask"):
                chatbot, question, k, buttons = _ask_tab(qa)
            with gr.Tab("Policy", id="policy", render_children=True):
                gr.HTML(render.policy_html(qa.policy), elem_id="pqa-policy")

        # One queue for every call into the shared model: a question at a time.
        private: dict[str, Any] = {"api_visibility": "private", "concurrency_id": "qa"}
        answer = partial(respond, qa=qa)
        events = [question.submit(answer, [question, chatbot, k], [chatbot, question], **private)]
        for button, text in zip(buttons, EXAMPLES, strict=True):
            events.append(button.click(partial(ask_example, text, qa=qa), [chatbot, k], chatbot, **private))
        for event in events:
            event.then(None, js=SCROLL_TO_QUESTION)

        def ask(question: str, k: int = qa.settings.k) -> dict[str, Any]:
            """Cited clauses for `question`, best first: the JSON of `policyqa ask --json`."""
            return ask_json(question, k, qa=qa)

        gr.api(ask, api_name="ask", concurrency_id="qa")
    return demo


def launch_options() -> dict[str, Any]:
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
        "max_file_size": MAX_UPLOAD_BYTES,
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
        qa = PolicyQA.load(Settings.from_env())
    except QAError as error:
        print(f"policyqa: error: {error}", file=sys.stderr)
        return 2
    try:
        build_app(qa).launch(
            server_name=args.host,
            server_port=args.port,
            inbrowser=not args.no_browser and _has_display(),
            **launch_options(),
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
