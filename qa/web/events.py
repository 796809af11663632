"""The web app's event handlers: a tab's question, choice, upload or removal -> what the page shows.

Each browser tab has a `Session` (kept by a `gr.State`): the policy it answers from and a
conversation per policy, so choosing another policy and coming back loses nothing. A question is
handled in two steps: `send` shows it at once with "Searching the policy…" and queues it;
`answer_waiting` (in the one queue for the shared model) answers every queued question of the tab
in the order sent, each read with the question before it (`PolicyQA.ask(..., follows=)`).

Handlers take a `Catalog` and the values of the page's inputs and return a `View`, the new values
of its outputs by name (chat messages and notes as HTML from `qa.web.render` and
`qa.web.policy_view`); `qa.web.app` lays out the page and wires these to it. It imports Gradio (only
`qa.web` does) for an API error (`gr.Error`) and Gradio's upload folder.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, TypeVar

import gradio as gr
from gradio import utils as gradio_utils

from qa.answer import PolicyQA
from qa.errors import QAError
from qa.inputs import check_question, clean_question
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
# Questions a tab may have waiting for their answers at once.
MAX_WAITING = 10
Progress = Callable[..., Any]  # a gr.Progress: progress(fraction, desc=step)
T = TypeVar("T")
Message = dict[str, Any]  # {"role": "user" | "assistant", "content": html} as gr.Chatbot keeps them
# Words for developers, left out of what the page says: a library's exception named inside a message,
# "(PdfStreamError: Stream has ended unexpectedly)", and the command line's advice, "; run: policyqa index".
_JARGON = re.compile(
    r"\s*\((?:[A-Za-z_][\w.]*(?:Error|Exception|Warning))\b[^()]*\)"
    r"|[;,]?\s*(?:run|see|add it with|rebuild it with|try):\s*policyqa\b[^;()]*?(?=\s*(?:[;()]|$))"
)


def _whole(k: object) -> object:
    """A slider's 5.0 as 5; anything else unchanged, for `ask` to accept or reject."""
    return int(k) if isinstance(k, float) and k.is_integer() else k


def _text(value: object) -> str:
    """What can be shown of a submitted value: a str with any lone surrogate as "?"; anything else as ""."""
    return value.encode("utf-8", "replace").decode("utf-8") if isinstance(value, str) else ""


def plain_reason(message: str) -> str:
    """A message for people: without a library's exception or the command line's advice in it.

    >>> plain_reason("a.pdf is not a readable PDF (PdfStreamError: ended); try again")
    'a.pdf is not a readable PDF; try again'
    >>> plain_reason("index file x is missing; run: policyqa index")
    'index file x is missing'
    """
    return _JARGON.sub("", message)


def notice(error: QAError, *, lead: str = "Can’t answer that") -> str:
    """`error` as the page's one-line notice."""
    return render.notice_html(plain_reason(str(error)), lead=lead)


@dataclass
class Turn:
    """One question of a conversation: as typed, the `k` it was sent with, the reply (HTML; None while it
    waits) and the question as answered (`Answer.question`; "" until then, and for a refused one)."""

    question: str
    k: object = None
    reply: str | None = None
    asked: str = ""


class Session:
    """One browser tab: the policy it answers from, a conversation per policy, the questions waiting
    for an answer (policy name, turn) in the order sent, and the note shown over an empty conversation."""

    def __init__(self, policy: str) -> None:
        self.policy = policy
        self.chats: dict[str, list[Turn]] = {}
        self.waiting: list[tuple[str, Turn]] = []
        self.intro = ""
        self._lock = threading.Lock()

    def __deepcopy__(self, memo: dict[int, Any]) -> Session:
        # subtle: gr.State deep-copies its value for each tab, and a lock cannot be copied.
        copy = Session(self.policy)
        copy.chats = {name: [replace(turn) for turn in chat] for name, chat in self.chats.items()}
        copy.intro = self.intro
        return copy

    def chat(self, name: str | None = None) -> list[Turn]:
        """The conversation about policy `name` (None: the chosen one)."""
        return self.chats.setdefault(self.policy if name is None else name, [])

    def queue(self, turn: Turn) -> None:
        with self._lock:
            self.chat().append(turn)
            self.waiting.append((self.policy, turn))

    def next_waiting(self) -> tuple[str, Turn] | None:
        """The question sent first of those still waiting (taken off the queue), or None."""
        with self._lock:
            return self.waiting.pop(0) if self.waiting else None

    def forget(self, name: str) -> None:
        """Close the conversation about policy `name`; its waiting questions go unanswered."""
        with self._lock:
            self.chats.pop(name, None)
            self.waiting = [(policy, turn) for policy, turn in self.waiting if policy != name]


@dataclass(frozen=True)
class View:
    """What a handler changes on the page, by name; a field left None stays as it is on the page
    (`qa.web.app` turns a `View` into updates of its components)."""

    status: str | None = None  # the Add a policy tab's one note
    choices: list[tuple[str, str]] | None = None  # the policy chooser's (label, name) options
    choice: str | None = None  # the policy chooser's value
    header: str | None = None
    policy_view: str | None = None
    chat: list[Message] | None = None
    question: str | None = None  # the text left in the question box
    removable: list[tuple[str, str]] | None = None  # the remove form's options (its choice is cleared)
    confirming: bool | None = None  # whether the remove form asks "remove it?"
    tab: str | None = None  # the tab to show
    address: str | None = None  # what the address bar shows (`render.address_html`)


def merged(first: View, then: View) -> View:
    """`first` with every field `then` sets."""
    return replace(first, **{f.name: getattr(then, f.name) for f in fields(then) if getattr(then, f.name) is not None})


def chat_messages(session: Session) -> list[Message]:
    """The chosen policy's conversation as chat messages; a question still waiting shows as being searched."""
    chat = session.chat()
    messages: list[Message] = [] if chat or not session.intro else [{"role": "assistant", "content": session.intro}]
    first = True
    for turn in chat:
        shown = clean_question(turn.question)
        if shown:
            messages.append({"role": "user", "content": render.question_html(shown)})
        if turn.reply is None:
            messages.append({"role": "assistant", "content": render.waiting_html(first=first)})
            first = False
        else:
            messages.append({"role": "assistant", "content": turn.reply})
    return messages


def _address(session: Session) -> str:
    asked = [clean_question(turn.question) for turn in session.chat() if clean_question(turn.question)]
    return render.address_html(session.policy, asked[-1] if asked else "")


def send(question: object, k: object, session: Session, *, catalog: Catalog) -> View:
    """A question sent from the box: shown at once, waiting for `answer_waiting`, and the box emptied. A
    question that cannot be asked stays in the box, with a notice in the chat saying what to change."""
    text = _text(question)
    try:
        check_question(question, catalog.settings.k if k is None else _whole(k), catalog.settings)
        if len(session.waiting) >= MAX_WAITING:
            raise QAError(f"{MAX_WAITING} questions are already waiting; send this one once they are answered")
    except QAError as error:
        session.chat().append(Turn(text, k, notice(error)))
        return View(chat=chat_messages(session), question=text)
    session.queue(Turn(text, k))
    return View(chat=chat_messages(session), question="", address=_address(session))


def send_example(text: str, k: object, session: Session, *, catalog: Catalog) -> View:
    """An example button: like `send`, but a draft in the question box is left alone."""
    return replace(send(text, k, session, catalog=catalog), question=None)


def _earlier(chat: list[Turn], turn: Turn) -> str:
    """The question answered last before `turn` in its conversation, "" if none."""
    before = chat[: next((i for i, t in enumerate(chat) if t is turn), len(chat))]
    return next((t.asked for t in reversed(before) if t.asked), "")


def reply(question: str, k: object, *, qa: PolicyQA, name: str, follows: str = "") -> tuple[str, str]:
    """`question` asked of policy `name` (read with the earlier question `follows`): (the answer's HTML,
    the question as answered), or (a one-line notice, "") for a question that cannot be answered."""
    try:
        answer = qa.ask(question, _whole(k), follows=follows)  # type: ignore[arg-type]
        return render.answer_html(answer, policy=qa.policy, name=name), answer.question
    except QAError as error:
        return notice(error), ""
    except Exception as error:
        log_event("chat_failed", {"error": repr(error)}, level=logging.ERROR, exc_info=True)
        return render.notice_html(INTERNAL_ERROR), ""


def answer_waiting(session: Session, *, catalog: Catalog) -> Iterator[View]:
    """Answer the tab's waiting questions in the order they were sent, each read with the question
    before it in its conversation; the chat after each answer (and once more when none was waiting)."""
    answered = False
    while (waiting := session.next_waiting()) is not None:
        name, turn = waiting
        try:
            qa = catalog.get(name)
        except QAError as error:
            turn.reply = notice(error)
        else:
            turn.reply, turn.asked = reply(turn.question, turn.k, qa=qa, name=name,
                                           follows=_earlier(session.chat(name), turn))  # fmt: skip
        answered = True
        yield View(chat=chat_messages(session))
    if not answered:  # another run took them: the chat as it is now, so the last word is the newest
        yield View(chat=chat_messages(session))


def clear_chat(session: Session) -> View:
    """The chat's trash button: the chosen policy's conversation starts afresh."""
    session.forget(session.policy)
    return View(chat=chat_messages(session), address=render.address_html(session.policy))


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
    """The chooser's (label, name) pairs, the default first: each policy as people call it (naming whose it
    is, `policy_view.policy_name`) when it is loaded, else its title; and its name."""
    loaded = set(catalog.loaded())

    def called(name: str, title: str | None) -> str:
        try:
            return render_policy.policy_name(catalog.get(name).policy) if name in loaded else title or name
        except QAError:  # being reloaded, or removed meanwhile
            return title or name

    return [(f"{called(info.name, info.title)} · {info.name}", info.name) for info in catalog.policies()]


def shown(session: Session, name: str, qa: PolicyQA) -> View:
    """The tab switched to policy `name`: its header, its policy view, and its conversation as it was
    left (a note saying which policy answers over one not started yet)."""
    session.policy = name
    session.intro = render_policy.switched_html(qa.policy)
    return View(
        choice=name,
        header=render_policy.header_html(qa.policy),
        policy_view=render_policy.policy_html(qa.policy, name=name),
        chat=chat_messages(session),
        address=_address(session),
    )


def choose(name: str | None, session: Session, *, catalog: Catalog) -> View:
    """The chooser: switch the tab to policy `name`, keeping each policy's conversation. The same policy
    again (the chooser opened and closed) changes nothing; one that cannot be loaded leaves everything as
    it was, with a notice in the chat."""
    if not name or name == session.policy:
        return View()
    try:
        qa = catalog.load(name)
    except QAError as error:
        session.chat().append(Turn("", reply=notice(error, lead="Can’t open that policy")))
        return View(choice=session.policy, chat=chat_messages(session))
    return shown(session, name, qa)


def open_page(session: Session, k: object, query: Mapping[str, str], *, catalog: Catalog) -> View:
    """A page load: the chooser lists the policies anew; the address's `?policy=` chooses one and `?q=` asks
    a question of it (then answered by `answer_waiting`)."""
    view = View(choices=policy_choices(catalog))
    policy, question = query.get("policy", ""), query.get("q", "")
    if policy:
        view = merged(view, choose(policy, session, catalog=catalog))
    if question:
        view = merged(view, send(question, k, session, catalog=catalog))
    return view


def _attempt(action: Callable[[], T], *, lead: str, event: str) -> tuple[T | None, str]:
    """(`action()`, "") or, when it fails, (None, a one-line notice): a `QAError` says what to change
    (without a library's exception names); anything else is logged as "<event>_failed" with its
    traceback and shown as `INTERNAL_ERROR`."""
    try:
        return action(), ""
    except QAError as error:
        return None, notice(error, lead=lead)
    except Exception as error:
        log_event(f"{event}_failed", {"error": repr(error)}, level=logging.ERROR, exc_info=True)
        return None, render.notice_html(INTERNAL_ERROR, lead=lead)


def add_policy(file: str | None, name: str, session: Session, *, catalog: Catalog, progress: Progress) -> View:
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
    session.forget(name)  # a replaced policy's conversation cites its old text
    done = View(status=render_policy.added_html(name, qa.policy), choices=policy_choices(catalog), tab="ask")
    return merged(shown(session, name, qa), done)


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


def ask_removal(name: str | None, *, catalog: Catalog) -> View:
    """The Remove button: ask to confirm removing added policy `name` (nothing is removed yet)."""
    titles = dict((value, label) for label, value in removable_choices(catalog))
    if not name or name not in titles:
        status = render.notice_html("choose an added policy first", lead="Can’t remove that")
        return View(status=status, removable=list(removable_choices(catalog)), confirming=False)
    return View(status=render_policy.confirm_removal_html(name, titles[name].rsplit(" · ", 1)[0]), confirming=True)


def cancel_removal() -> View:
    """ "Keep it": nothing is removed, the question goes away."""
    return View(status="", confirming=False)


def remove_policy(name: str | None, session: Session, *, catalog: Catalog) -> View:
    """Remove added policy `name` (confirmed). A tab that had it chosen goes back to the shipped policy; a
    refusal changes nothing but the status (and the list, which another tab may have changed)."""
    if not name:
        status = render.notice_html("choose an added policy first", lead="Can’t remove that")
        return View(status=status, removable=removable_choices(catalog), confirming=False)
    _, refused = _attempt(lambda: catalog.remove(name), lead="Can’t remove that", event="remove")
    if refused:
        return View(status=refused, removable=removable_choices(catalog), confirming=False)
    done = View(status=render_policy.removed_html(name), removable=removable_choices(catalog),
                choices=policy_choices(catalog), confirming=False)  # fmt: skip
    session.forget(name)
    if name != session.policy:
        return done
    return merged(shown(session, catalog.default, catalog.load()), done)
