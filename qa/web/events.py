"""The web app's event handlers: a session's question, choice, upload or removal -> what the page shows.

Each takes a `Catalog` (or a `PolicyQA`) and the values of the page's inputs and returns
the new values of its outputs: chat messages and notes as HTML from `qa.web.render` and
`qa.web.policy_view`. `qa.web.app` lays out the page and wires these to it. It imports
Gradio (only `qa.web` does) because it needs what only Gradio can express: "leave this as
it was" (`gr.skip`), a new list of choices (`gr.update`), a tab to show (`gr.Tabs`) and an
API error (`gr.Error`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

import gradio as gr
from gradio import utils as gradio_utils

from qa.answer import PolicyQA
from qa.errors import QAError
from qa.inputs import clean_question
from qa.library.files import MAX_POLICY_BYTES
from qa.library.names import name_from_file
from qa.logs import log_event
from qa.web import policy_view as render_policy
from qa.web import render
from qa.web.catalog import Catalog

INTERNAL_ERROR = "something went wrong while answering; the details are in the server log"
# Gradio's upload route takes at most the largest policy file accepted (`qa.library.files`); with
# uploads turned off (POLICYQA_ALLOW_UPLOADS=false) it still exists, so it is capped near zero.
MAX_UPLOAD_BYTES = MAX_POLICY_BYTES
NO_UPLOAD_BYTES = 1024
Progress = Callable[..., Any]  # a gr.Progress: progress(fraction, desc=step)
T = TypeVar("T")
Message = dict[str, Any]  # {"role": "user" | "assistant", "content": html, ...} as gr.Chatbot keeps them


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


@dataclass(frozen=True)
class View:
    """What a handler changes on the page, by name; a field left None stays as it is on the page
    (`qa.web.app` turns a `View` into updates of its components)."""

    status: str | None = None  # the Add a policy tab's note
    chosen: str | None = None  # this session's policy
    choices: list[tuple[str, str]] | None = None  # the policy chooser's (label, name) options
    choice: str | None = None  # the policy chooser's value
    header: str | None = None
    policy_view: str | None = None
    chat: list[Message] | None = None
    removable: list[tuple[str, str]] | None = None  # the remove form's options (its choice is cleared)
    tab: str | None = None  # the tab to show


def shown(qa: PolicyQA, name: str) -> View:
    """A session switched to policy `name`: its header, its policy view and a fresh chat saying so."""
    chat: list[Message] = [{"role": "assistant", "content": render_policy.switched_html(qa.policy)}]
    return View(
        chosen=name,
        choice=name,
        header=render_policy.header_html(qa.policy),
        policy_view=render_policy.policy_html(qa.policy),
        chat=chat,
    )


def choose(name: str, current: str, *, catalog: Catalog) -> View:
    """Switch this session to policy `name`. The chat starts afresh (its citations point into the
    policy shown); a policy that cannot be loaded leaves everything as it was, with a notice in the chat."""
    try:
        qa = catalog.load(name)
    except QAError as error:
        notice = [{"role": "assistant", "content": render.notice_html(str(error), lead="Can’t open that policy")}]
        return View(chosen=current, choice=current, chat=notice)
    return shown(qa, name)


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


def add_policy(file: str | None, name: str, current: str, *, catalog: Catalog, progress: Progress) -> View:
    """Check, copy and index an uploaded policy file, then choose it and show the Ask tab.
    A file that is refused changes nothing but the status."""
    if not file:
        return View(status=render.notice_html("choose a policy file first", lead="Can’t add that"))
    path = Path(file)
    name = (name or "").strip().lower() or name_from_file(path.name)

    def add() -> PolicyQA:
        return catalog.add(path, name, progress=lambda fraction, step: progress(fraction, desc=step))

    try:
        qa, refused = _attempt(add, lead="Can’t add that file", event="add")
    finally:
        discard_upload(path)  # the library keeps its own copy
    if refused or qa is None:
        return View(status=refused)
    return replace(
        shown(qa, name), status=render_policy.added_html(name, qa.policy), choices=policy_choices(catalog), tab="ask"
    )


def discard_upload(path: Path) -> None:
    """Delete a file Gradio saved from an upload, and its folder if now empty; never a file elsewhere."""
    root = Path(gradio_utils.get_upload_folder()).resolve()
    try:
        resolved = path.resolve()
        if root in resolved.parents:
            resolved.unlink(missing_ok=True)
            if resolved.parent != root and not any(resolved.parent.iterdir()):
                resolved.parent.rmdir()
    except OSError:  # already gone, or not ours to delete
        pass


def removable_choices(catalog: Catalog) -> list[tuple[str, str]]:
    """The remove form's (label, name) pairs: every policy but the shipped one."""
    return [choice for choice in policy_choices(catalog) if choice[1] != catalog.default]


def remove_policy(name: str | None, current: str, *, catalog: Catalog) -> View:
    """Remove added policy `name`. A session that had it chosen goes back to the shipped policy; a
    refusal changes nothing but the status (and the list, which another tab may have changed)."""
    if not name:
        status = render.notice_html("choose an added policy first", lead="Can’t remove that")
        return View(status=status, removable=removable_choices(catalog))
    _, refused = _attempt(lambda: catalog.remove(name), lead="Can’t remove that", event="remove")
    if refused:
        return View(status=refused, removable=removable_choices(catalog))
    done = View(status=render_policy.removed_html(name), removable=removable_choices(catalog))
    if name != current:
        return replace(done, choices=policy_choices(catalog))
    back = shown(catalog.load(), catalog.default)
    return replace(back, status=done.status, removable=done.removable, choices=policy_choices(catalog))
