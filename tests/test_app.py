"""app.py and app_events.py: the chat handler, the command line, and the /ask API through gradio_client."""

from __future__ import annotations

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


@pytest.fixture(scope="module")
def fake_qa(tmp_path_factory: pytest.TempPathFactory) -> PolicyQA:
    """PolicyQA over the shipped policy with the keyword embedder; its index lives in tmp."""
    settings = Settings(policy_path=POLICY_PATH, index_dir=tmp_path_factory.mktemp("app") / "index")
    return PolicyQA.load(settings=settings, embedder=KeywordEmbedder())


@pytest.fixture
def fake_catalog(tmp_path) -> Catalog:
    """A catalog with the keyword embedder over a tmp library: the shipped policy, nothing else yet."""
    policy = tmp_path / "policies" / POLICY_PATH.name
    policy.parent.mkdir()
    shutil.copyfile(POLICY_PATH, policy)
    settings = Settings(policy_path=policy, index_dir=tmp_path / "index", use_adapter=False)
    catalog = Catalog(settings, KeywordEmbedder())
    catalog.load()  # the default policy, as the app loads it before it serves
    return catalog


class Progress:
    """Records what `add_policy` reports, as gr.Progress would show it."""

    def __init__(self) -> None:
        self.calls: list[tuple[float, str]] = []

    def __call__(self, fraction: float, desc: str) -> None:
        self.calls.append((fraction, desc))


# --- the chat handler ----------------------------------------------------------------------------


def test_respond_appends_question_and_cited_answer(fake_qa):
    history, left = app_events.respond("bank account", [], 3, qa=fake_qa)
    assert left == ""
    assert [m["role"] for m in history] == ["user", "assistant"]
    assert "bank account" in history[0]["content"]
    answer = history[1]["content"]
    assert answer.count('class="pqa-cite"') == 3
    assert '<mark class="pqa-mark">' in answer


def test_follow_up_keeps_history_and_is_answered_on_its_own(fake_qa):
    first, _ = app_events.respond("cookies", [], 2, qa=fake_qa)
    second, _ = app_events.respond("password", first, 2, qa=fake_qa)
    assert second[:2] == first
    assert second[3]["content"] == app_events.respond("password", [], 2, qa=fake_qa)[0][1]["content"]


def test_example_button_answers_its_question(fake_catalog):
    history = app_events.ask_example("cookies", [], 2, "alibaba-2015", catalog=fake_catalog)
    assert [m["role"] for m in history] == ["user", "assistant"]
    assert history[0]["content"] == '<p class="pqa-question">cookies</p>'
    assert history[1]["content"].count('class="pqa-cite"') == 2
    assert 'href="#clause-E.p1"' in history[1]["content"]  # the keyword fake finds the cookie clause first


def test_slider_float_k_is_a_whole_number(fake_qa):
    history, _ = app_events.respond("cookies", None, 4.0, qa=fake_qa)
    assert history[1]["content"].count('class="pqa-cite"') == 4


@pytest.mark.parametrize(
    ("question", "k", "shown_question", "message"),
    [
        ("", 5, False, "the question is empty"),
        ("   ", 5, False, "the question is empty"),
        ("x" * 2500, 5, True, "keep it to at most 2,000"),
        ("cookies", 11.5, True, "k must be a whole number"),
    ],
)
def test_bad_input_is_a_friendly_notice_and_the_text_stays(fake_qa, question, k, shown_question, message):
    history, left = app_events.respond(question, [], k, qa=fake_qa)
    assert left == question
    assert [m["role"] for m in history] == (["user", "assistant"] if shown_question else ["assistant"])
    assert 'class="pqa-notice"' in history[-1]["content"] and message in history[-1]["content"]
    assert "Traceback" not in json.dumps(history)
    if shown_question:
        assert len(history[0]["content"]) < 600


def test_question_html_is_shown_as_text(fake_qa):
    history, _ = app_events.respond(INJECTION, [], 2, qa=fake_qa)
    assert "<img" not in json.dumps(history)
    assert "&lt;img src=x onerror=alert(1)&gt;" in history[0]["content"]


# --- choosing and adding policies -----------------------------------------------------------------


def library_files(catalog) -> dict[str, bytes]:
    """Every file of the catalog's data folder and index folder, with its bytes."""
    roots = [catalog.settings.home, catalog.settings.indexes]
    return {str(p): p.read_bytes() for root in roots if root.exists() for p in sorted(root.rglob("*")) if p.is_file()}


def test_add_policy_indexes_it_with_progress_and_chooses_it(fake_catalog):
    progress = Progress()
    view = app_events.add_policy(
        str(DATA / "docs" / "acme.md"), "", "alibaba-2015", catalog=fake_catalog, progress=progress
    )
    assert "Added <strong>acme</strong>: Acme Cloud Privacy Policy (8 clauses in" in view.status
    assert view.chosen == view.choice == "acme"
    assert [name for _, name in view.choices] == ["alibaba-2015", "acme"]
    assert "Acme Cloud Privacy Policy" in view.header and 'id="clause-' in view.policy_view
    assert "Now answering from Acme Cloud Privacy Policy" in view.chat[0]["content"]
    assert view.tab == "ask" and view.removable is None
    fractions = [fraction for fraction, _ in progress.calls]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0
    steps = " | ".join(step for _, step in progress.calls)
    assert "checking acme.md" in steps and "embedding sentences" in steps and "saving the index" in steps
    # Questions now go to the new policy and cite its own headings.
    history, _ = app_events.respond_from("Do you share account data?", [], 3, "acme", catalog=fake_catalog)
    assert "§C ¶1 Sharing" in history[-1]["content"] and "Alibaba" not in history[-1]["content"]


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
    assert (
        "Added"
        in app_events.add_policy(str(uploaded), "", "alibaba-2015", catalog=fake_catalog, progress=Progress()).status
    )
    assert (
        "Can’t add"
        in app_events.add_policy(str(refused), "", "alibaba-2015", catalog=fake_catalog, progress=Progress()).status
    )
    app_events.add_policy(str(mine), "mine", "alibaba-2015", catalog=fake_catalog, progress=Progress())
    assert not uploaded.exists() and not folder.exists() and not refused.parent.exists()
    assert mine.exists() and (DATA / "docs" / "acme.md").exists()


def test_a_pdf_upload_is_added_like_any_other_policy(fake_catalog):
    view = app_events.add_policy(
        str(DATA / "docs" / "acme.pdf"), "", "alibaba-2015", catalog=fake_catalog, progress=Progress()
    )
    assert "Added <strong>acme</strong>: Acme Cloud Privacy Policy (8 clauses in" in view.status
    assert view.chosen == "acme"
    history, _ = app_events.respond_from("Do you share account data?", [], 3, "acme", catalog=fake_catalog)
    assert "§C ¶1 Sharing" in history[-1]["content"]


def test_chosen_name_is_used_and_the_default_stays(fake_catalog):
    app_events.add_policy(
        str(DATA / "docs" / "acme.md"), "acme-cloud", "alibaba-2015", catalog=fake_catalog, progress=Progress()
    )
    acme, _ = app_events.respond_from("account", [], 1, "acme-cloud", catalog=fake_catalog)
    alibaba, _ = app_events.respond_from("account", [], 1, "alibaba-2015", catalog=fake_catalog)
    assert "Acme" not in alibaba[-1]["content"] and alibaba[-1]["content"] != acme[-1]["content"]
    assert fake_catalog.get("acme-cloud").policy.title == "Acme Cloud Privacy Policy"
    assert len(fake_catalog.get().policy.clauses) == 44 and fake_catalog.get() is fake_catalog.get("alibaba-2015")


@pytest.mark.parametrize(
    ("filename", "content", "name", "message"),
    [
        (None, b"", "", "choose a policy file first"),
        ("policy.docx", b"PK\x03\x04", "", "unsupported file type"),
        ("policy.pdf", b"%PDF-1.4", "", "not a readable PDF"),
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
    view = app_events.add_policy(
        str(path) if path else None, name, "alibaba-2015", catalog=fake_catalog, progress=Progress()
    )
    assert 'class="pqa-notice"' in view.status and message in view.status
    assert view == app_events.View(status=view.status)  # nothing else on the page changes
    assert [info.name for info in fake_catalog.policies()] == ["alibaba-2015"]
    assert library_files(fake_catalog) == before  # nothing written, nothing deleted


def test_too_big_a_file_is_refused(fake_catalog, tmp_path):
    big = tmp_path / "big.txt"
    big.write_bytes(b"We collect data. " * (app_events.MAX_UPLOAD_BYTES // 17 + 1))
    before = library_files(fake_catalog)
    view = app_events.add_policy(str(big), "", "alibaba-2015", catalog=fake_catalog, progress=Progress())
    assert "bytes are accepted" in view.status and library_files(fake_catalog) == before


def test_a_failed_build_leaves_no_half_added_policy(fake_catalog, monkeypatch):
    def broken(texts):
        raise RuntimeError("embedding exploded")

    before = library_files(fake_catalog)
    monkeypatch.setattr(fake_catalog.embedder, "embed_with_words", broken)
    view = app_events.add_policy(
        str(DATA / "docs" / "acme.md"), "", "alibaba-2015", catalog=fake_catalog, progress=Progress()
    )
    assert app_events.INTERNAL_ERROR in view.status and "exploded" not in view.status and view.chosen is None
    assert [info.name for info in fake_catalog.policies()] == ["alibaba-2015"]
    assert library_files(fake_catalog) == before


def test_choose_switches_header_policy_view_and_chat(fake_catalog):
    app_events.add_policy(
        str(DATA / "docs" / "northwind.html"), "northwind", "alibaba-2015", catalog=fake_catalog, progress=Progress()
    )
    view = app_events.choose("alibaba-2015", "northwind", catalog=fake_catalog)
    assert view.chosen == view.choice == "alibaba-2015"
    assert "November 2015" in view.header and 'id="clause-C.6"' in view.policy_view
    assert "Northwind" not in view.policy_view
    assert len(view.chat) == 1 and "Now answering from" in view.chat[0]["content"]


def test_remove_the_chosen_policy_goes_back_to_the_shipped_one(fake_catalog):
    app_events.add_policy(
        str(DATA / "docs" / "acme.md"), "acme", "alibaba-2015", catalog=fake_catalog, progress=Progress()
    )
    assert app_events.removable_choices(fake_catalog) == [("Acme Cloud Privacy Policy · acme", "acme")]
    view = app_events.remove_policy("acme", "acme", catalog=fake_catalog)
    assert "Removed <strong>acme</strong>" in view.status and view.removable == []
    assert view.chosen == view.choice == "alibaba-2015"
    assert [name for _, name in view.choices] == ["alibaba-2015"]
    assert "November 2015" in view.header and 'id="clause-C.6"' in view.policy_view
    assert "Now answering from" in view.chat[0]["content"]
    # Another session that still has it chosen is told, not crashed.
    history, _ = app_events.respond_from("cookies?", [], 3, "acme", catalog=fake_catalog)
    assert "no policy named &#x27;acme&#x27;" in history[-1]["content"]


def test_remove_another_policy_keeps_this_sessions_choice(fake_catalog):
    for name in ("acme", "northwind"):
        source = DATA / "docs" / f"{name}.{'md' if name == 'acme' else 'html'}"
        app_events.add_policy(str(source), name, "alibaba-2015", catalog=fake_catalog, progress=Progress())
    view = app_events.remove_policy("acme", "northwind", catalog=fake_catalog)
    assert "Removed" in view.status and [name for _, name in view.removable] == ["northwind"]
    assert [name for _, name in view.choices] == ["alibaba-2015", "northwind"]
    assert (view.chosen, view.choice, view.header, view.policy_view, view.chat) == (None,) * 5  # left as they are


@pytest.mark.parametrize(
    ("name", "message"), [(None, "choose an added policy first"), ("alibaba-2015", "cannot be removed")]
)
def test_remove_refusals_change_nothing(fake_catalog, name, message):
    before = library_files(fake_catalog)
    view = app_events.remove_policy(name, "alibaba-2015", catalog=fake_catalog)
    assert 'class="pqa-notice"' in view.status and message in view.status
    assert view == app_events.View(status=view.status, removable=[])  # the list refreshed, nothing else
    assert library_files(fake_catalog) == before


def test_choosing_a_policy_that_cannot_load_keeps_the_current_one(fake_catalog):
    fake_catalog.settings.policies.mkdir(parents=True, exist_ok=True)
    (fake_catalog.settings.policies / "broken.txt").write_bytes(b"\xff\xfe not utf-8")
    view = app_events.choose("broken", "alibaba-2015", catalog=fake_catalog)
    assert view.chosen == view.choice == "alibaba-2015" and view.header is None
    assert "Can’t open that policy" in view.chat[0]["content"] and "not UTF-8" in view.chat[0]["content"]


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
