"""app.py and app_events.py: the chat handler, the command line, and the /ask API through gradio_client."""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from qa.answer import PolicyQA
from qa.settings import Settings
from qa.web import app
from qa.web import events as app_events
from qa.web.catalog import Catalog
from tests.conftest import DATA, POLICY_PATH, KeywordEmbedder, serving

SEED = "Who can see my bank details?"
INJECTION = "<img src=x onerror=alert(1)>"


def fake_settings(**values) -> Settings:
    """Settings for the keyword fake: the web app's logic without the reader, a model of its own (when this
    version of policyqa has one)."""
    if "use_reader" in {f.name for f in dataclasses.fields(Settings)}:
        values["use_reader"] = False
    return Settings(**values)


@pytest.fixture(scope="module")
def fake_qa(tmp_path_factory: pytest.TempPathFactory) -> PolicyQA:
    """PolicyQA over the shipped policy with the keyword embedder; its index lives in tmp."""
    settings = fake_settings(policy_path=POLICY_PATH, index_dir=tmp_path_factory.mktemp("app") / "index")
    return PolicyQA.load(settings=settings, embedder=KeywordEmbedder())


@pytest.fixture
def fake_catalog(tmp_path) -> Catalog:
    """A catalog with the keyword embedder over a tmp library: the shipped policy, nothing else yet."""
    policy = tmp_path / "policies" / POLICY_PATH.name
    policy.parent.mkdir()
    shutil.copyfile(POLICY_PATH, policy)
    settings = fake_settings(policy_path=policy, index_dir=tmp_path / "index", use_adapter=False)
    catalog = Catalog(settings, KeywordEmbedder())
    catalog.load()  # the default policy, as the app loads it before it serves
    return catalog


class Progress:
    """Records what `add_policy` reports, as gr.Progress would show it."""

    def __init__(self) -> None:
        self.calls: list[tuple[float, str]] = []

    def __call__(self, fraction: float, desc: str) -> None:
        self.calls.append((fraction, desc))


# --- the chat: a question shown at once, answered in order ------------------------------------------


def session_of(catalog: Catalog) -> app_events.Session:
    """A browser tab's session, as gr.State gives each tab its own copy."""
    return copy.deepcopy(app_events.Session(catalog.default))


def converse(catalog: Catalog, session: app_events.Session, *questions: str, k: int = 3) -> list[app_events.View]:
    """Send each question, then answer them as the model's queue does: the views the chat showed."""
    views = [app_events.send(question, k, session, catalog=catalog) for question in questions]
    return views + list(app_events.answer_waiting(session, catalog=catalog))


def contents(view: app_events.View) -> list[str]:
    return [message["content"] for message in view.chat or []]


def test_a_question_shows_at_once_as_searched_then_its_answer(fake_catalog):
    session = session_of(fake_catalog)
    sent = app_events.send("bank account", 3, session, catalog=fake_catalog)
    assert sent.question == "" and [m["role"] for m in sent.chat] == ["user", "assistant"]
    assert "bank account" in contents(sent)[0] and app_events.render.SEARCHING in contents(sent)[1]
    assert "?policy=alibaba-2015&amp;q=bank+account" in sent.address
    answered = list(app_events.answer_waiting(session, catalog=fake_catalog))[-1]
    reply = contents(answered)[1]
    assert reply.count('class="pqa-cite"') == 3 and '<mark class="pqa-mark">' in reply
    assert '<blockquote class="pqa-quote">' in reply and "?policy=alibaba-2015&amp;q=bank+account" in reply


def test_questions_sent_while_one_waits_are_all_answered_in_order(fake_catalog):
    session = session_of(fake_catalog)
    first = app_events.send("cookies", 2, session, catalog=fake_catalog)
    second = app_events.send("password", 2, session, catalog=fake_catalog)
    assert app_events.render.SEARCHING in contents(first)[1]
    assert app_events.render.SEARCHING in contents(second)[1] and app_events.render.QUEUED in contents(second)[3]
    shown = list(app_events.answer_waiting(session, catalog=fake_catalog))
    assert app_events.render.SEARCHING in contents(shown[0])[3]  # the first answered, the second searched next
    final = contents(shown[-1])
    assert [m["role"] for m in shown[-1].chat] == ["user", "assistant"] * 2
    assert "cookies" in final[0] and "password" in final[2] and all('class="pqa-answer"' in r for r in final[1::2])
    alone = converse(fake_catalog, session_of(fake_catalog), "password", k=2)[-1]
    assert contents(alone)[1] == final[3]  # the same answer as asked on its own
    assert list(app_events.answer_waiting(session, catalog=fake_catalog))[-1].chat == shown[-1].chat  # nothing left


def test_each_question_is_read_with_the_one_before_it(fake_catalog, monkeypatch):
    qa = fake_catalog.get()
    asked: list[tuple[str, str]] = []
    ask = qa.ask

    def recording(question, k=None, *, follows=""):
        asked.append((question, follows))
        return ask(question, k, follows=follows)

    monkeypatch.setattr(qa, "ask", recording)
    session = session_of(fake_catalog)
    converse(fake_catalog, session, "", "Do you use cookies?", "Can I opt out of that?")
    converse(fake_catalog, session, "And my password?")
    assert asked == [("Do you use cookies?", ""), ("Can I opt out of that?", "Do you use cookies?"),
                     ("And my password?", "Can I opt out of that?")]  # fmt: skip


def test_an_example_leaves_the_draft_in_the_box(fake_catalog):
    session = session_of(fake_catalog)
    view = app_events.send_example("cookies", 2, session, catalog=fake_catalog)
    assert view.question is None and contents(view)[0] == '<p class="pqa-question">cookies</p>'
    reply = contents(list(app_events.answer_waiting(session, catalog=fake_catalog))[-1])[1]
    assert reply.count('class="pqa-cite"') == 2
    assert 'href="#clause-E.p1"' in reply  # the keyword fake finds the cookie clause first


def test_a_float_k_is_a_whole_number(fake_catalog):
    view = converse(fake_catalog, session_of(fake_catalog), "cookies", k=4.0)[-1]  # type: ignore[arg-type]
    assert contents(view)[1].count('class="pqa-cite"') == 4


@pytest.mark.parametrize(
    ("question", "k", "shown_question", "message"),
    [
        ("", 5, False, "the question is empty"),
        ("   ", 5, False, "the question is empty"),
        ("x" * 2500, 5, True, "keep it to at most 2,000"),
        ("cookies", 11.5, True, "k must be a whole number"),
    ],
)
def test_bad_input_is_a_friendly_notice_and_the_text_stays(fake_catalog, question, k, shown_question, message):
    session = session_of(fake_catalog)
    view = app_events.send(question, k, session, catalog=fake_catalog)
    assert view.question == question and session.waiting == []
    assert [m["role"] for m in view.chat] == (["user", "assistant"] if shown_question else ["assistant"])
    assert 'class="pqa-notice"' in contents(view)[-1] and message in contents(view)[-1]
    assert "Traceback" not in json.dumps(view.chat)
    if shown_question:
        assert len(contents(view)[0]) < 600


def test_a_tab_keeps_at_most_so_many_questions_waiting(fake_catalog):
    session = session_of(fake_catalog)
    for _ in range(app_events.MAX_WAITING):
        app_events.send("cookies", 1, session, catalog=fake_catalog)
    refused = app_events.send("one too many", 1, session, catalog=fake_catalog)
    assert "already waiting" in contents(refused)[-1] and refused.question == "one too many"
    assert len(session.waiting) == app_events.MAX_WAITING


def test_question_html_is_shown_as_text(fake_catalog):
    view = converse(fake_catalog, session_of(fake_catalog), INJECTION)[-1]
    assert "<img" not in json.dumps(view.chat)
    assert "&lt;img src=x onerror=alert(1)&gt;" in contents(view)[0]


def test_the_trash_button_clears_only_this_policys_conversation(fake_catalog):
    session = session_of(fake_catalog)
    converse(fake_catalog, session, "cookies")
    view = app_events.clear_chat(session)
    assert view.chat == [] and session.chat() == []


def test_opening_the_page_with_a_question_in_the_address_asks_it(fake_catalog):
    add(fake_catalog, "acme.md", "acme", session_of(fake_catalog))
    session = session_of(fake_catalog)
    view = app_events.open_page(session, 3, {"policy": "acme", "q": "Do you share account data?"}, catalog=fake_catalog)
    assert view.choice == "acme" and "Acme Cloud Privacy Policy" in view.header
    assert [name for _, name in view.choices] == ["alibaba-2015", "acme"]
    assert "Do you share account data?" in contents(view)[0] and app_events.render.SEARCHING in contents(view)[1]
    reply = contents(list(app_events.answer_waiting(session, catalog=fake_catalog))[-1])[1]
    assert "§C ¶1 Sharing" in reply
    plain = app_events.open_page(session_of(fake_catalog), 3, {}, catalog=fake_catalog)
    assert plain == app_events.View(choices=view.choices)  # no address: nothing but the list
    unknown = app_events.open_page(session_of(fake_catalog), 3, {"policy": "nope"}, catalog=fake_catalog)
    assert unknown.choice == "alibaba-2015" and "no policy named" in contents(unknown)[-1]


# --- choosing and adding policies -----------------------------------------------------------------


def library_files(catalog) -> dict[str, bytes]:
    """Every file of the catalog's data folder and index folder, with its bytes."""
    roots = [catalog.settings.home, catalog.settings.indexes]
    return {str(p): p.read_bytes() for root in roots if root.exists() for p in sorted(root.rglob("*")) if p.is_file()}


def add(catalog: Catalog, filename: str, name: str, session: app_events.Session) -> app_events.View:
    return app_events.add_policy(str(DATA / "docs" / filename), name, session, catalog=catalog, progress=Progress())


def test_add_policy_indexes_it_with_progress_and_chooses_it(fake_catalog):
    progress = Progress()
    session = session_of(fake_catalog)
    converse(fake_catalog, session, "cookies")
    view = app_events.add_policy(str(DATA / "docs" / "acme.md"), "", session, catalog=fake_catalog, progress=progress)
    assert "Added <strong>acme</strong>: Acme Cloud Privacy Policy (8 clauses in" in view.status
    assert view.choice == "acme" and session.policy == "acme"
    assert [name for _, name in view.choices] == ["alibaba-2015", "acme"]
    assert "Acme Cloud Privacy Policy" in view.header and 'id="clause-' in view.policy_view
    assert len(view.chat) == 1 and "Now answering from Acme Cloud Privacy Policy" in contents(view)[0]
    assert view.tab == "ask" and view.removable is None
    fractions = [fraction for fraction, _ in progress.calls]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0
    steps = " | ".join(step for _, step in progress.calls)
    assert "checking acme.md" in steps and "embedding sentences" in steps and "saving the index" in steps
    # Questions now go to the new policy and cite its own headings; the shipped policy's chat is kept.
    reply = contents(converse(fake_catalog, session, "Do you share account data?")[-1])[1]
    assert "§C ¶1 Sharing" in reply and "Alibaba" not in reply
    assert len(session.chat("alibaba-2015")) == 1


def test_the_uploaded_temporary_file_is_deleted_and_nothing_else(fake_catalog, tmp_path):
    from gradio import utils as gradio_utils

    folder = Path(gradio_utils.get_upload_folder()) / f"policyqa-test-{os.getpid()}"
    folder.mkdir(parents=True, exist_ok=True)
    uploaded = folder / "acme.md"
    shutil.copyfile(DATA / "docs" / "acme.md", uploaded)
    refused = folder.with_name(folder.name + "-refused") / "acme.docx"
    refused.parent.mkdir(exist_ok=True)
    refused.write_bytes(b"PK")
    mine = tmp_path / "acme.md"  # a file that is not Gradio's: never deleted
    shutil.copyfile(DATA / "docs" / "acme.md", mine)
    session = session_of(fake_catalog)

    def add_file(path: Path, name: str = "") -> str:
        return app_events.add_policy(str(path), name, session, catalog=fake_catalog, progress=Progress()).status

    assert "Added" in add_file(uploaded)
    assert "Can’t add" in add_file(refused)
    add_file(mine, "mine")
    assert not uploaded.exists() and not folder.exists() and not refused.parent.exists()
    assert mine.exists() and (DATA / "docs" / "acme.md").exists()


def test_a_pdf_upload_is_added_like_any_other_policy(fake_catalog):
    session = session_of(fake_catalog)
    view = add(fake_catalog, "acme.pdf", "", session)
    assert "Added <strong>acme</strong>: Acme Cloud Privacy Policy (8 clauses in" in view.status
    assert view.choice == "acme"
    assert "§C ¶1 Sharing" in contents(converse(fake_catalog, session, "Do you share account data?")[-1])[1]


def test_chosen_name_is_used_and_the_default_stays(fake_catalog):
    session = session_of(fake_catalog)
    add(fake_catalog, "acme.md", "acme-cloud", session)
    acme = contents(converse(fake_catalog, session, "account", k=1)[-1])[-1]
    app_events.choose("alibaba-2015", session, catalog=fake_catalog)
    alibaba = contents(converse(fake_catalog, session, "account", k=1)[-1])[-1]
    assert "Acme" not in alibaba and alibaba != acme
    assert fake_catalog.get("acme-cloud").policy.title == "Acme Cloud Privacy Policy"
    assert len(fake_catalog.get().policy.clauses) == 44 and fake_catalog.get() is fake_catalog.get("alibaba-2015")


@pytest.mark.parametrize(
    ("filename", "content", "name", "message"),
    [
        (None, b"", "", "choose a policy file first"),
        ("policy.docx", b"PK\x03\x04", "", "unsupported file type"),
        ("policy.pdf", b"%PDF-1.4", "", "policy.pdf is not a"),
        ("program.pdf", b"MZ\x90\x00" + bytes(range(256)) * 8, "", "program.pdf is not a"),  # an .exe renamed
        ("empty.html", b"<html><body><nav>Home</nav></body></html>", "", "no policy text found"),
        ("latin1.txt", "Politique de confidentialit\u00e9".encode("latin-1"), "", "not UTF-8"),
        ("ok.md", b"# Policy\n\nWe keep nothing.", "Bad Name!", "is not allowed"),
        ("ok.md", b"# Policy\n\nWe keep nothing.", "alibaba-2015", "the shipped policy"),
    ],
)
def test_refused_files_leave_everything_as_it_was(fake_catalog, tmp_path, filename, content, name, message):
    path = None
    if filename is not None:
        path = tmp_path / "upload" / filename
        path.parent.mkdir()
        path.write_bytes(content)
    before = library_files(fake_catalog)
    session = session_of(fake_catalog)
    view = app_events.add_policy(str(path) if path else None, name, session, catalog=fake_catalog, progress=Progress())
    assert 'class="pqa-notice"' in view.status and message in view.status
    assert "Error" not in view.status and "Exception" not in view.status  # no library's words for people
    assert view == app_events.View(status=view.status)  # nothing else on the page changes
    assert [info.name for info in fake_catalog.policies()] == ["alibaba-2015"] and session.policy == "alibaba-2015"
    assert library_files(fake_catalog) == before  # nothing written, nothing deleted


@pytest.mark.parametrize(
    ("message", "plain"),
    [
        ("x.pdf is not a readable PDF (PdfStreamError: Stream has ended unexpectedly); try saving it again",
         "x.pdf is not a readable PDF; try saving it again"),
        ("x.pdf is encrypted (pypdf.errors.DependencyError: AES); save a copy", "x.pdf is encrypted; save a copy"),
        ("x.md (the file you gave) is empty", "x.md (the file you gave) is empty"),
        ("index file /x/a.npy is missing; run: policyqa index", "index file /x/a.npy is missing"),
        ("no added policy named 'x' (added: none); see: policyqa list", "no added policy named 'x' (added: none)"),
        ("no policy named 'x'; add it with: policyqa index FILE --name x (known: a)", "no policy named 'x' (known: a)"),
    ],
)  # fmt: skip
def test_a_refusal_is_told_without_the_librarys_exception(message, plain):
    assert app_events.plain_reason(message) == plain


def test_too_big_a_file_is_refused(fake_catalog, tmp_path):
    big = tmp_path / "big.txt"
    big.write_bytes(b"We collect data. " * (app_events.MAX_UPLOAD_BYTES // 17 + 1))
    before = library_files(fake_catalog)
    session = session_of(fake_catalog)
    view = app_events.add_policy(str(big), "", session, catalog=fake_catalog, progress=Progress())
    assert "bytes are accepted" in view.status and library_files(fake_catalog) == before


def test_a_failed_build_leaves_no_half_added_policy(fake_catalog, monkeypatch):
    def broken(texts):
        raise RuntimeError("embedding exploded")

    before = library_files(fake_catalog)
    monkeypatch.setattr(fake_catalog.embedder, "embed_with_words", broken)
    session = session_of(fake_catalog)
    view = add(fake_catalog, "acme.md", "", session)
    assert app_events.INTERNAL_ERROR in view.status and "exploded" not in view.status and view.choice is None
    assert [info.name for info in fake_catalog.policies()] == ["alibaba-2015"]
    assert library_files(fake_catalog) == before


def test_choosing_another_policy_keeps_each_conversation(fake_catalog):
    session = session_of(fake_catalog)
    add(fake_catalog, "northwind.html", "northwind", session)
    app_events.choose("alibaba-2015", session, catalog=fake_catalog)
    alibaba = converse(fake_catalog, session, "cookies")[-1].chat
    view = app_events.choose("northwind", session, catalog=fake_catalog)
    assert view.choice == "northwind" and "Northwind Traders Privacy Notice" in view.header
    assert 'data-policy="northwind"' in view.policy_view and "November 2015" not in view.policy_view
    assert len(view.chat) == 1 and "Now answering from Northwind" in contents(view)[0]
    northwind = converse(fake_catalog, session, "Who receives my postal address?")[-1].chat
    back = app_events.choose("alibaba-2015", session, catalog=fake_catalog)
    assert back.chat == alibaba and "November 2015" in back.header and 'id="clause-C.6"' in back.policy_view
    assert "?policy=alibaba-2015&amp;q=cookies" in back.address
    assert app_events.choose("northwind", session, catalog=fake_catalog).chat == northwind


@pytest.mark.parametrize("value", ["alibaba-2015", "", None])
def test_the_chooser_closed_without_a_change_changes_nothing(fake_catalog, value):
    session = session_of(fake_catalog)
    converse(fake_catalog, session, "cookies")
    before = [copy.copy(turn) for turn in session.chat()]
    assert app_events.choose(value, session, catalog=fake_catalog) == app_events.View()
    assert session.chat() == before and session.policy == "alibaba-2015"


def test_removing_asks_first_and_keep_it_removes_nothing(fake_catalog):
    session = session_of(fake_catalog)
    add(fake_catalog, "acme.md", "acme", session)
    asked = app_events.ask_removal("acme", catalog=fake_catalog)
    assert asked.confirming is True and "Remove <strong>acme</strong> (Acme Cloud Privacy Policy)?" in asked.status
    assert [info.name for info in fake_catalog.policies()] == ["alibaba-2015", "acme"]
    assert app_events.cancel_removal() == app_events.View(status="", confirming=False)
    refused = app_events.ask_removal(None, catalog=fake_catalog)
    assert refused.confirming is False and "choose an added policy first" in refused.status


def test_remove_the_chosen_policy_goes_back_to_the_shipped_one(fake_catalog):
    session = session_of(fake_catalog)
    converse(fake_catalog, session, "cookies")
    add(fake_catalog, "acme.md", "acme", session)
    assert app_events.removable_choices(fake_catalog) == [("Acme Cloud Privacy Policy · acme", "acme")]
    view = app_events.remove_policy("acme", session, catalog=fake_catalog)
    assert "Removed <strong>acme</strong>" in view.status and view.removable == [] and view.confirming is False
    assert view.choice == "alibaba-2015" and session.policy == "alibaba-2015" and "acme" not in session.chats
    assert [name for _, name in view.choices] == ["alibaba-2015"]
    assert "November 2015" in view.header and 'id="clause-C.6"' in view.policy_view
    assert "cookies" in contents(view)[0]  # the shipped policy's conversation, as it was
    # Another session that still has it chosen is told, not crashed.
    other = session_of(fake_catalog)
    other.policy = "acme"
    reply = contents(converse(fake_catalog, other, "cookies?")[-1])[-1]
    assert "no policy named &#x27;acme&#x27;" in reply


def test_remove_another_policy_keeps_this_sessions_choice(fake_catalog):
    session = session_of(fake_catalog)
    for name in ("acme", "northwind"):
        add(fake_catalog, f"{name}.{'md' if name == 'acme' else 'html'}", name, session)
    view = app_events.remove_policy("acme", session, catalog=fake_catalog)
    assert "Removed" in view.status and [name for _, name in view.removable] == ["northwind"]
    assert [name for _, name in view.choices] == ["alibaba-2015", "northwind"]
    assert (view.choice, view.header, view.policy_view, view.chat) == (None,) * 4  # left as they are


@pytest.mark.parametrize(
    ("name", "message"), [(None, "choose an added policy first"), ("alibaba-2015", "cannot be removed")]
)
def test_remove_refusals_change_nothing(fake_catalog, name, message):
    before = library_files(fake_catalog)
    view = app_events.remove_policy(name, session_of(fake_catalog), catalog=fake_catalog)
    assert 'class="pqa-notice"' in view.status and message in view.status
    assert view == app_events.View(status=view.status, removable=[], confirming=False)  # the list refreshed
    assert library_files(fake_catalog) == before


def test_choosing_a_policy_that_cannot_load_keeps_the_current_one(fake_catalog):
    fake_catalog.settings.policies.mkdir(parents=True, exist_ok=True)
    (fake_catalog.settings.policies / "broken.txt").write_bytes(b"\xff\xfe not utf-8")
    session = session_of(fake_catalog)
    view = app_events.choose("broken", session, catalog=fake_catalog)
    assert view.choice == "alibaba-2015" and view.header is None and session.policy == "alibaba-2015"
    assert "Can’t open that policy" in contents(view)[-1] and "not UTF-8" in contents(view)[-1]


def test_each_tab_has_a_session_of_its_own(fake_catalog):
    first, second = session_of(fake_catalog), session_of(fake_catalog)
    converse(fake_catalog, first, "cookies")
    assert second.chat() == [] and first.chat() != []


# --- command line and launch settings ------------------------------------------------------------


def test_host_and_port_default_to_localhost():
    args = app.parse_args([], environ={})
    assert (args.host, args.port, args.no_browser) == ("127.0.0.1", 7860, False)


def test_environment_overrides_and_flags_override_environment():
    env = {"POLICYQA_HOST": "0.0.0.0", "POLICYQA_PORT": "8123"}
    args = app.parse_args([], environ=env)
    assert (args.host, args.port) == ("0.0.0.0", 8123)
    args = app.parse_args(["--host", "127.0.0.1", "--port", "9000", "--no-browser"], environ=env)
    assert (args.host, args.port, args.no_browser) == ("127.0.0.1", 9000, True)


@pytest.mark.parametrize(("argv", "env"), [([], {"POLICYQA_PORT": "web"}), (["--port", "70000"], {})])
def test_bad_port_is_a_usage_error(argv, env, capsys):
    with pytest.raises(SystemExit) as stop:
        app.parse_args(argv, environ=env)
    assert stop.value.code == 2
    assert "port" in capsys.readouterr().err


def test_nothing_leaves_the_machine():
    assert os.environ["GRADIO_ANALYTICS_ENABLED"] == "False"
    options = app.launch_options()
    assert options["share"] is False and options["run_history"] is False and options["mcp_server"] is False
    theme = options["theme"]
    # System fonts only: no font stylesheet to fetch, no @font-face, only inline data: URLs.
    assert theme._stylesheets == []
    css = theme._get_theme_css()
    assert "@font-face" not in css
    assert all(url.startswith(("data:", '"data:')) for url in re.findall(r"url\(([^)]*)\)", css))


# --- the served app and its /ask API -------------------------------------------------------------


@pytest.fixture(scope="module")
def served(real_settings, real_embedder) -> Iterator[str]:
    """The app in this process on a free localhost port, over a copy of the shipped index."""
    with serving(Catalog(real_settings, real_embedder)) as url:
        yield url


@pytest.fixture(scope="module")
def client(served):
    from gradio_client import Client

    return Client(served, verbose=False, download_files=False)


@pytest.mark.model
def test_ask_api_returns_the_cli_json(client, real_qa):
    result = client.predict(SEED, 5, api_name="/ask")
    assert result == json.loads(json.dumps(real_qa.ask(SEED, 5).to_json()))
    assert result["covered"] is True and [hit["rank"] for hit in result["hits"]] == [1, 2, 3, 4, 5]
    top3 = {hit["clause_id"]: hit["citation"] for hit in result["hits"][:3]}
    assert {"C.6", "C.4"} & set(top3)
    for hit in result["hits"]:
        assert hit["citation"].startswith(("§", "Preamble"))
        assert hit["sentence"] in hit["text"]


@pytest.mark.model
@pytest.mark.parametrize("data", [[SEED], [SEED, 3], [SEED, 3, None]], ids=["question", "and-k", "all-three"])
def test_the_raw_ask_route_takes_the_values_a_caller_leaves_out(served, real_qa, data):
    """`curl -d '{"data": ["..."]}' .../gradio_api/call/ask`: k and the policy default, no empty error."""
    with httpx.Client(base_url=served, timeout=60, trust_env=False) as http:
        event = http.post("gradio_api/call/ask", json={"data": data}).json()["event_id"]
        stream = http.get(f"gradio_api/call/ask/{event}").text
    assert stream.startswith("event: complete"), stream[:300]
    result = json.loads(stream.split("data: ", 1)[1])[0]
    assert result == json.loads(json.dumps(real_qa.ask(SEED, data[1] if len(data) > 1 else 5).to_json()))


@pytest.mark.model
def test_ask_api_asks_the_named_policy(client, real_settings, real_embedder):
    from gradio_client.exceptions import AppError

    from qa.library.files import add_policy, check_policy_file

    add_policy(check_policy_file(DATA / "docs" / "acme.md", "acme-cloud", real_settings), real_settings, real_embedder)
    question = "Who do you share my account data with?"
    with pytest.raises(AppError, match="'acme-cloud' is being loaded; ask again in a moment"):
        client.predict(question, 3, "acme-cloud", api_name="/ask")  # a question never waits for a load
    deadline, result = time.monotonic() + 120, None
    while result is None and time.monotonic() < deadline:  # as a caller asks again, until it is loaded
        try:
            result = client.predict(question, 3, "acme-cloud", api_name="/ask")
        except AppError as error:
            assert "being loaded" in str(error)
    assert (
        result
        == PolicyQA.load("acme-cloud", settings=real_settings, embedder=real_embedder)
        .ask("Who do you share my account data with?", 3)
        .to_json()
    )
    assert result["hits"][0]["citation"] == "§C ¶1 Sharing"
    assert client.predict(SEED, 3, None, api_name="/ask") == client.predict(SEED, 3, api_name="/ask")

    with pytest.raises(AppError, match="no policy named 'nope'"):
        client.predict(SEED, 3, "nope", api_name="/ask")


@pytest.mark.model
def test_ask_api_k_defaults_to_settings(client, real_qa):
    assert len(client.predict(SEED, api_name="/ask")["hits"]) == real_qa.settings.k


@pytest.mark.model
@pytest.mark.parametrize(
    ("question", "k", "message"), [("", 3, "empty"), (SEED, 0, "k must be"), ("x" * 2001, 3, "at most 2,000")]
)
def test_ask_api_bad_input_is_a_clear_error(client, question, k, message):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match=message):
        client.predict(question, k, api_name="/ask")


@pytest.mark.model
def test_only_ask_is_a_public_endpoint(client):
    assert set(client.view_api(print_info=False, return_format="dict")["named_endpoints"]) == {"/ask"}


@pytest.mark.model
def test_page_config_has_no_analytics_or_remote_stylesheets(served):
    config = httpx.get(served + "config", timeout=30).json()
    assert config["analytics_enabled"] is False
    assert all(sheet.startswith(served) or not sheet.startswith("http") for sheet in config["stylesheets"])
    page = httpx.get(served, timeout=30).text
    for host in ("fonts.googleapis.com", "fonts.gstatic.com", "cdn.jsdelivr.net", "unpkg.com", "cdnjs"):
        assert host not in page
    assert '\\"clause-C.6\\"' in json.dumps(config)  # the policy view is in the page, anchored
