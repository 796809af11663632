"""Bad input everywhere (Python API, CLI, chat handler, /ask over HTTP), random input, and the log line.

Every input in `QUESTIONS` and `K_VALUES` gets either a valid answer or one
clear error line: `InvalidQuestion` from the API, one stderr line and status 2
from the CLI, a notice in the chat, an error event from /ask; never a
traceback, never a hang. Control characters (NUL included) are turned into
spaces; text that is not valid UTF-8 is refused. The property tests feed random
text to `ask`, the CLI, the policy parser and the sentence splitter.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from html import escape

import httpx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qa import cli
from qa.answer import PolicyQA
from qa.errors import InvalidQuestion, QAError
from qa.inputs import clean_question
from qa.read.documents import parse_policy
from qa.read.sentences import split_sentences, split_text
from qa.settings import ROOT, Settings
from qa.types import Answer, Clause
from qa.web import events as app_events
from qa.web.catalog import Catalog
from tests.conftest import POLICY_PATH, KeywordEmbedder, serving

ANSWERED = "answered"
EMPTY = "the question is empty"
LONG = "keep it to at most 2,000"
NOT_UTF8 = "not valid UTF-8"
BAD_K = "k must be a whole number from 1 to 50"

# kind -> (id, question, ANSWERED or a fragment of the one-line error). Asked with k = 3.
QUESTIONS: dict[str, list[tuple[str, object, str]]] = {
    "empty": [
        ("empty", "", EMPTY),
        ("spaces", "     ", EMPTY),
        ("tabs-newlines", "\t\n\r\n ", EMPTY),
        ("unicode-spaces", "\u00a0\u2003\u3000\u2028", EMPTY),
        ("controls-only", "\x00\x01\x1b\x7f\x9f", EMPTY),
        ("none", None, EMPTY),
    ],
    "long": [
        ("2001-chars", "x" * 2001, LONG),
        ("100KB-words", "why " * 25_600, LONG),
        ("100KB-one-word", "a" * 102_400, LONG),
        ("100KB-emoji", "🍪" * 25_600, LONG),
        ("2000-chars-accepted", "cookies " * 250, ANSWERED),
    ],
    "control": [
        ("nul-inside", "bank\x00account?", ANSWERED),
        ("nul-around", "\x00cookies\x00", ANSWERED),
        ("bell-ansi-escape", "\x07cookies\x1b[31m?", ANSWERED),
        ("del-c1", "cookies\x7f\x85\x9f?", ANSWERED),
        ("crlf-tabs", "Do you use\r\ncookies?\t", ANSWERED),
    ],
    "invalid-utf8": [
        ("undecodable-byte", b"caf\xe9 cookies?".decode("utf-8", "surrogateescape"), NOT_UTF8),
        ("lone-high-surrogate", "\ud83c cookies", NOT_UTF8),
        ("lone-low-surrogate", "cookies \udc00", NOT_UTF8),
    ],
    "scripts": [
        ("hebrew-rtl", "מי יכול לראות את פרטי הבנק שלי?", ANSWERED),
        ("arabic-rtl", "من يستطيع رؤية تفاصيل حسابي المصرفي؟", ANSWERED),
        ("rtl-override", "\u202ekooc\u202c cookies?", ANSWERED),
        ("rtl-mark-mixed", "\u200fcookies עוגיות?", ANSWERED),
        ("emoji", "🍪🍪🍪?", ANSWERED),
        ("emoji-zwj", "👩‍👩‍👧‍👦 bank account", ANSWERED),
        ("chinese", "谁可以看到我的银行信息？", ANSWERED),
        ("japanese", "クッキーを使っていますか？", ANSWERED),
        ("german", "Wer kann meine Bankdaten sehen?", ANSWERED),
        ("russian", "Кто может видеть мои банковские данные?", ANSWERED),
        ("hindi", "मेरी बैंक जानकारी कौन देख सकता है?", ANSWERED),
        ("combining-marks", "c\u0337\u031bo\u0335o\u0336k\u0337i\u0334e\u0338s\u0337?", ANSWERED),
        ("zero-width-only", "\u200b\u200d", ANSWERED),
        ("byte-order-mark", "\ufeffcookies?", ANSWERED),
    ],
    "markup": [
        ("html-img", "<img src=x onerror=alert(1)>", ANSWERED),
        ("script", "<script>alert('x')</script> cookies", ANSWERED),
        ("markdown-image", "![x](http://example.invalid/p.png) cookies", ANSWERED),
        ("templates", "{{7*7}} ${jndi:ldap://x} %s%n cookies", ANSWERED),
        ("sql", "'; DROP TABLE users; -- cookies", ANSWERED),
        ("path", "../../../../etc/passwd", ANSWERED),
    ],
}
CASES = [pytest.param(q, expect, id=f"{kind}-{name}") for kind, rows in QUESTIONS.items() for name, q, expect in rows]

# (id, k, ANSWERED or error fragment), asked with the question "cookies".
K_VALUES = [
    ("zero", 0, BAD_K),
    ("minus-one", -1, BAD_K),
    ("billion", 10**9, BAD_K),
    ("fifty-one", 51, BAD_K),
    ("abc", "abc", BAD_K),
    ("numeric-text", "3", BAD_K),
    ("fraction", 2.5, BAD_K),
    ("nan", float("nan"), BAD_K),
    ("bool", True, BAD_K),
    ("list", [3], BAD_K),
    ("none-means-default", None, ANSWERED),
    ("one", 1, ANSWERED),
    ("fifty", 50, ANSWERED),
    ("numpy-int", np.int64(3), ANSWERED),
]
K_CASES = [pytest.param(k, expect, id=f"k-{name}") for name, k, expect in K_VALUES]


@pytest.fixture(scope="module")
def fake_qa(tmp_path_factory: pytest.TempPathFactory) -> PolicyQA:
    """PolicyQA over the shipped policy with the keyword embedder; its index lives in tmp."""
    settings = Settings(policy_path=POLICY_PATH, index_dir=tmp_path_factory.mktemp("robust") / "index")
    return PolicyQA.load(settings=settings, embedder=KeywordEmbedder())


def assert_valid_answer(answer: Answer, question: str, k: int) -> None:
    assert isinstance(answer, Answer) and isinstance(answer.covered, bool)
    assert answer.question == clean_question(question) and answer.question
    assert not any(ord(c) < 32 or 127 <= ord(c) < 160 for c in answer.question)
    assert [hit.rank for hit in answer.hits] == list(range(1, min(k, 44) + 1))
    json.dumps(answer.to_json(), ensure_ascii=False).encode("utf-8")  # printable and sendable


# --- Python API ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("question", "expect"), CASES)
def test_bad_question_api(fake_qa, question, expect):
    if expect == ANSWERED:
        assert_valid_answer(fake_qa.ask(question, 3), question, 3)
    else:
        with pytest.raises(InvalidQuestion, match=expect) as error:
            fake_qa.ask(question, 3)
        assert "\n" not in str(error.value) and len(str(error.value)) < 200


@pytest.mark.parametrize(("k", "expect"), K_CASES)
def test_bad_k_api(fake_qa, k, expect):
    if expect == ANSWERED:
        answer = fake_qa.ask("cookies", k)
        assert len(answer.hits) == min(44, 5 if k is None else int(k))
    else:
        with pytest.raises(InvalidQuestion, match=expect):
            fake_qa.ask("cookies", k)


def test_non_text_question_is_refused(fake_qa):
    with pytest.raises(InvalidQuestion, match="must be text, not bytes"):
        fake_qa.ask(b"cookies", 3)


@pytest.mark.model
def test_non_english_questions_are_answered_not_covered(real_qa):
    for question in ("מי יכול לראות את פרטי הבנק שלי?", "谁可以看到我的银行信息？", "🍪🍪🍪?"):
        answer = real_qa.ask(question, 3)
        assert len(answer.hits) == 3 and answer.question == question
    assert real_qa.ask("\u200b\u200d", 3).covered is False


# --- CLI (in-process for the catalogue, subprocesses for bytes and the real entry point) ---------


@contextlib.contextmanager
def cli_with(fake_qa: PolicyQA, stdin: bytes = b"") -> Iterator[tuple[io.StringIO, io.StringIO]]:
    """`qa.cli.main` with the fake model, the given stdin bytes, and captured stdout/stderr."""
    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(PolicyQA, "load", classmethod(lambda cls, *_, **__: fake_qa))
        patch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            yield out, err


def run_cli(fake_qa: PolicyQA, argv: list[str], stdin: bytes = b"") -> tuple[int, str, str]:
    with cli_with(fake_qa, stdin) as (out, err):
        try:
            status = cli.main(argv)
        except SystemExit as stop:  # argparse usage errors
            status = stop.code if isinstance(stop.code, int) else 2
    return status, out.getvalue(), err.getvalue()


def assert_cli_outcome(result: tuple[int, str, str], expect: str, question: str) -> None:
    status, out, err = result
    if expect == ANSWERED:
        assert (status, err) == (0, ""), err
        assert json.loads(out)["question"] == clean_question(question)
    else:
        assert (status, out) == (2, "")
        assert len(err.splitlines()) == 1 and err.startswith("policyqa") and expect in err, err


@pytest.mark.parametrize(("question", "expect"), CASES)
def test_bad_question_cli_argument(fake_qa, question, expect):
    argv = ["ask", "-k", "3", "--json"] + ([] if question is None else [question])
    expect = "the following arguments are required: question" if question is None else expect
    assert_cli_outcome(run_cli(fake_qa, argv), expect, question or "")


@pytest.mark.parametrize(("question", "expect"), CASES)
def test_bad_question_cli_stdin(fake_qa, question, expect):
    data = b"" if question is None else question.encode("utf-8", "surrogatepass")  # bad text -> bad bytes
    expect = "not valid UTF-8 (byte" if expect == NOT_UTF8 else expect
    assert_cli_outcome(run_cli(fake_qa, ["ask", "-", "-k", "3", "--json"], data), expect, question or "")


@pytest.mark.parametrize(("k", "expect"), K_CASES)
def test_bad_k_cli(fake_qa, k, expect):
    argv = ["ask", "cookies", "--json"] + ([] if k is None else ["-k", str(k)])
    if k is not None and not str(k).lstrip("-").isdigit():
        expect = "invalid int value"  # argparse's own check, on one line too
    elif isinstance(k, str):
        expect = ANSWERED  # "-k 3" is the CLI's normal spelling
    status, out, err = run_cli(fake_qa, argv)
    if expect == ANSWERED:
        assert status == 0 and len(json.loads(out)["hits"]) == min(44, 5 if k is None else int(k))
    else:
        assert (status, out) == (2, "") and len(err.splitlines()) == 1 and expect in err


def test_cli_usage_errors_are_one_line(fake_qa):
    for argv in ([], ["ask"], ["frobnicate"], ["ask", "cookies", "--bogus"], ["ask", "cookies", "-k"]):
        status, out, err = run_cli(fake_qa, argv)
        assert (status, out) == (2, "") and len(err.splitlines()) == 1 and "error:" in err, (argv, err)


def test_cli_oversized_stdin_is_cut_short(fake_qa):
    status, out, err = run_cli(fake_qa, ["ask", "-"], b"x" * (cli.STDIN_LIMIT + 10))
    assert (status, out) == (2, "") and "over 1048576 bytes; keep the question to at most 2,000 characters" in err


def run_entry(args: list[str | bytes], stdin: bytes = b"", **env: str) -> subprocess.CompletedProcess[bytes]:
    """`python -m qa ...` as a user runs it (argv may hold raw bytes)."""
    return subprocess.run(
        [sys.executable, "-m", "qa", *args],
        input=stdin,
        capture_output=True,
        timeout=300,
        cwd=ROOT,
        env={**os.environ, **env},
    )


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        ([b"ask", b"caf\xe9 cookies?"], b"", NOT_UTF8),
        ([b"ask", b"\xff\xfe\x00?"[:2]], b"", NOT_UTF8),
        (["ask", "-"], b"caf\xe9 cookies?", "not valid UTF-8 (byte 0xe9 at offset 3)"),
        (["ask", "-"], b"why " * 25_600, LONG),
        (["ask", "-"], b"\x00\x00\n", EMPTY),
        (["ask", "cookies", "-k", "1000000000"], b"", BAD_K),
    ],
    ids=["argv-invalid-utf8", "argv-bom-bytes", "stdin-invalid-utf8", "stdin-100KB", "stdin-nul-only", "k-billion"],
)
def test_entry_point_bad_bytes_are_one_line_status_2(args, stdin, message):
    result = run_entry(args, stdin)
    err = result.stderr.decode("utf-8", "replace")
    assert (result.returncode, result.stdout) == (2, b""), err
    assert len(err.splitlines()) == 1 and message in err and "Traceback" not in err


@pytest.mark.model
def test_entry_point_answers_rtl_question_with_nuls_from_stdin(real_index_dir):
    question = "\x00מי יכול לראות את פרטי הבנק שלי?\x00 bank details"
    result = run_entry(
        ["ask", "-", "-k", "2", "--json"], question.encode(), POLICYQA_INDEX_DIR=str(real_index_dir.parent)
    )
    assert result.returncode == 0, result.stderr.decode()
    answer = json.loads(result.stdout)
    assert answer["question"] == clean_question(question) and len(answer["hits"]) == 2


# --- the chat handler and /ask over HTTP ---------------------------------------------------------


@pytest.fixture(scope="module")
def fake_catalog(fake_qa) -> Catalog:
    """The app's catalog over the same policy, index and fake model as `fake_qa`."""
    catalog = Catalog(fake_qa.settings, fake_qa.embedder)
    catalog.load()
    return catalog


def chat(question: object, k: object, catalog: Catalog) -> tuple[list[dict], str | None]:
    """`question` sent from the chat's box and answered: (the chat's messages, the text left in the box)."""
    session = app_events.Session(catalog.default)
    sent = app_events.send(question, k, session, catalog=catalog)
    shown = list(app_events.answer_waiting(session, catalog=catalog))[-1]
    return shown.chat or [], sent.question


@pytest.mark.parametrize(("question", "expect"), CASES)
def test_bad_question_chat(fake_catalog, question, expect):
    history, left = chat(question, 3, fake_catalog)
    reply = history[-1]["content"]
    dumped = json.dumps(history, ensure_ascii=False)
    dumped.encode("utf-8")  # the page can be sent
    assert "Traceback" not in dumped and "<img" not in dumped and "<script" not in dumped
    if expect == ANSWERED:
        assert 'class="pqa-answer' in reply and left == ""
    else:
        assert 'class="pqa-notice"' in reply and expect in reply
        assert left == app_events._text(question)


@pytest.mark.parametrize(("k", "expect"), K_CASES)
def test_bad_k_chat(fake_catalog, k, expect):
    history, _ = chat("cookies", k, fake_catalog)
    assert ('class="pqa-answer' if expect == ANSWERED else expect) in history[-1]["content"]


def test_chat_handler_failure_is_a_notice_and_logged(fake_catalog, caplog, monkeypatch):
    def broken(question: str, k: int, searched: str = "", earlier: str = "") -> Answer:
        raise RuntimeError("index exploded")

    monkeypatch.setattr(fake_catalog.get(), "_answer", broken)
    with caplog.at_level(logging.ERROR, logger="qa"):
        history, left = chat("cookies", 3, fake_catalog)
    assert app_events.INTERNAL_ERROR in history[-1]["content"] and left == ""
    assert "index exploded" not in json.dumps(history)  # details go to the log, not to the page
    events = [json.loads(r.getMessage())["event"] for r in caplog.records]
    assert events == ["ask_failed", "chat_failed"]
    assert all(r.exc_info for r in caplog.records)


@pytest.fixture(scope="module")
def served_fake(fake_qa) -> Iterator[str]:
    """The app with the fake model, in this process, on a free 127.0.0.1 port."""
    with serving(Catalog(fake_qa.settings, fake_qa.embedder)) as url:
        yield url


def post_ask(url: str, question: object, k: object) -> tuple[str, str]:
    """Raw `/ask` call: (event, data). The body is ASCII JSON, so even lone surrogates can be sent."""
    with httpx.Client(timeout=30, trust_env=False) as client:
        body = json.dumps({"data": [question, k, None]})  # None: the default policy
        posted = client.post(url + "gradio_api/call/ask", content=body, headers={"content-type": "application/json"})
        assert posted.status_code == 200, posted.text
        text = client.get(url + f"gradio_api/call/ask/{posted.json()['event_id']}").text
    lines = dict(line.split(": ", 1) for line in text.splitlines() if ": " in line)
    return lines["event"], lines["data"]


@pytest.mark.parametrize(("question", "expect"), CASES)
def test_bad_question_endpoint(served_fake, capfd, question, expect):
    event, data = post_ask(served_fake, question, 3)
    if expect == ANSWERED:
        assert event == "complete"
        assert json.loads(data)[0]["question"] == clean_question(question)
    else:
        assert event == "error" and expect in json.loads(data)["error"]
    assert "Traceback" not in capfd.readouterr().err  # a user's mistake is not a server fault


@pytest.mark.parametrize(("k", "expect"), [p for p in K_CASES if p.id != "k-numpy-int"])
def test_bad_k_endpoint(served_fake, capfd, k, expect):
    event, data = post_ask(served_fake, "cookies", k)
    assert event == ("complete" if expect == ANSWERED else "error"), data
    if expect != ANSWERED:
        assert expect in json.loads(data)["error"]
    assert "Traceback" not in capfd.readouterr().err


# --- random input (hypothesis) -------------------------------------------------------------------

ANY_CHAR = st.characters(codec=None, exclude_categories=())  # every code point, surrogates and controls too
ANY_TEXT = st.one_of(st.text(ANY_CHAR, max_size=300), st.text(max_size=2100))
ANY_K = st.one_of(st.none(), st.integers(-5, 60), st.integers(), st.text(max_size=4), st.floats(), st.booleans())
FEW = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def acceptable(question: object, k: object) -> bool:
    """What `ask` must answer, worked out independently of `qa.inputs`: text that is valid UTF-8 and,
    with controls taken out, not blank and at most 2,000 characters; k a whole number from 1 to 50
    (not a bool) or None."""
    if not isinstance(question, str):
        return False
    try:
        question.encode("utf-8")
    except UnicodeEncodeError:
        return False
    kept = "".join(" " if ord(c) < 32 or 127 <= ord(c) < 160 or c == "\ufeff" else c for c in question).strip()
    whole = k is None or (isinstance(k, int) and not isinstance(k, bool) and 1 <= k <= 50)
    return 0 < len(kept) <= 2000 and whole


@FEW
@given(question=ANY_TEXT, k=ANY_K)
def test_property_ask_answers_exactly_the_acceptable_questions(fake_qa, question, k):
    if not acceptable(question, k):
        with pytest.raises(InvalidQuestion):
            fake_qa.ask(question, k)
        return
    assert_valid_answer(fake_qa.ask(question, k), question, 5 if k is None else k)


@FEW
@given(argv=st.lists(st.one_of(st.sampled_from(["-k", "--json", "-", "3", "0", "--help"]), ANY_TEXT), max_size=5))
def test_property_cli_ask_exits_cleanly(fake_qa, argv):
    stdin = b"random stdin text"
    status, out, err = run_cli(fake_qa, ["ask", *argv], stdin)
    assert status in (0, 2), (status, err)
    assert "Traceback" not in err
    if status == 2:
        assert out == "" and len(err.splitlines()) == 1


HTML_PIECES = st.sampled_from(
    ["<p>", "</p>", "<br>", "<strong>", "</strong>", "<b>", "A. ", "B. TITLE", "1. ", "2. ", "&amp.", "&lt;b&gt;"]
    + ["<script>x</script>", "©", " | ", "Last updated 2015", "\n", "We use cookies.", "Write to:", "&#0;", "\x00"]
)


PROSE = "We use cookies to remember the settings you choose on this site."


@settings(max_examples=300, deadline=None)
@given(html=st.one_of(st.text(ANY_CHAR, max_size=300).map(escape), st.lists(HTML_PIECES, max_size=60).map("".join)))
def test_property_parser_keeps_the_prose_of_any_page(html):
    """Whatever text or markup comes before it (text escaped as a page would hold it), a paragraph of
    prose is read: the page parses, every clause is the policy text at its span, the prose is in one."""
    policy = parse_policy(f"{html}<p>{PROSE}</p>")
    for clause in policy.clauses:
        assert policy.text[clause.start : clause.end] == clause.text
    assert any(PROSE in " ".join(clause.text.split()) for clause in policy.clauses)


@settings(max_examples=300, deadline=None)
@given(html=st.one_of(st.text(ANY_CHAR, max_size=300), st.lists(HTML_PIECES, max_size=60).map("".join)))
def test_property_parser_raises_only_policy_errors(html):
    try:
        policy = parse_policy(html)
    except QAError:
        return
    for clause in policy.clauses:
        assert policy.text[clause.start : clause.end] == clause.text


SPLIT_PIECES = st.sampled_from(list("ab .?!\n\t\"')(:;,-É日") + ["Mr.", "No. 5", "e.g.", "U.S.", "...", "\u2028"])


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(st.text(ANY_CHAR, max_size=300), st.lists(SPLIT_PIECES, max_size=80).map("".join)))
def test_property_splitter_never_loses_or_invents_text(text):
    spans = split_text(text)
    cursor = 0
    for start, end in spans:
        assert cursor <= start < end <= len(text)
        assert text[cursor:start].strip() == ""  # only whitespace between sentences
        assert text[start:end].strip()  # no empty sentence
        cursor = end
    assert text[cursor:].strip() == ""
    clause = Clause("X.1", "X", "Random", 1, text, 0, len(text))
    sentences = split_sentences(clause)
    assert [(s.start, s.end) for s in sentences] == spans
    assert all(text[s.start : s.end] == s.text for s in sentences)


# --- observability: one structured line per answered question ------------------------------------


def ask_events(caplog) -> list[dict]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "qa" and r.getMessage().startswith("{")]


def test_each_answer_logs_one_json_line_without_the_question(fake_qa, caplog):
    with caplog.at_level(logging.INFO, logger="qa"):
        fake_qa.ask("my secret bank account\nforged line", 4)
    [event] = ask_events(caplog)
    assert set(event) == {"event", "time", "latency_ms", "hits", "covered", "k", "chars"}
    assert (event["event"], event["hits"], event["k"], event["chars"]) == ("ask", 4, 4, 34)
    assert event["time"].endswith("Z") and event["latency_ms"] >= 0 and isinstance(event["covered"], bool)
    assert "secret" not in caplog.text
    assert len(caplog.records[0].getMessage().splitlines()) == 1


def test_question_is_logged_only_when_asked_for(fake_qa, caplog, monkeypatch):
    monkeypatch.setattr(fake_qa, "settings", Settings(log_questions=True))
    with caplog.at_level(logging.INFO, logger="qa"):
        fake_qa.ask('cookies\n{"event": "forged"}', 2)
    [event] = ask_events(caplog)
    assert event["question"] == 'cookies {"event": "forged"}'
    assert caplog.records[0].getMessage().isascii()  # escaped: no raw newline or control can forge a line
    assert Settings.from_env({"POLICYQA_LOG_QUESTIONS": "1"}).log_questions is True


def test_rejected_and_failed_questions_are_logged_with_context(fake_qa, caplog, monkeypatch):
    with caplog.at_level(logging.INFO, logger="qa"):
        with pytest.raises(InvalidQuestion):
            fake_qa.ask("x" * 5000, 3)
        monkeypatch.setattr(fake_qa, "_answer", lambda question, k, *rest: 1 / 0)
        with pytest.raises(ZeroDivisionError):
            fake_qa.ask("cookies", 3)
    rejected, failed = ask_events(caplog)
    assert rejected["event"] == "ask_rejected" and "5000 characters" in rejected["reason"]
    assert failed["event"] == "ask_failed" and failed["error"].startswith("ZeroDivisionError")
    assert (failed["k"], failed["chars"]) == (3, 7) and "question" not in failed
    assert caplog.records[-1].exc_info is not None  # the traceback is in the log
