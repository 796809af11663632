"""app.py: the chat handler, the command line, and the /ask API through gradio_client."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator

import httpx
import pytest

import app
from qa.answer import PolicyQA
from qa.settings import Settings
from tests.conftest import POLICY_PATH, KeywordEmbedder, serving

SEED = "Who can see my bank details?"
INJECTION = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def fake_qa(tmp_path_factory: pytest.TempPathFactory) -> PolicyQA:
    """PolicyQA over the shipped policy with the keyword embedder; its index lives in tmp."""
    settings = Settings(policy_path=POLICY_PATH, index_dir=tmp_path_factory.mktemp("app") / "index")
    return PolicyQA.load(settings, embedder=KeywordEmbedder())


# --- the chat handler ----------------------------------------------------------------------------


def test_respond_appends_question_and_cited_answer(fake_qa):
    history, left = app.respond("bank account", [], 3, qa=fake_qa)
    assert left == ""
    assert [m["role"] for m in history] == ["user", "assistant"]
    assert "bank account" in history[0]["content"]
    answer = history[1]["content"]
    assert answer.count('class="pqa-cite"') == 3
    assert '<mark class="pqa-mark">' in answer


def test_follow_up_keeps_history_and_is_answered_on_its_own(fake_qa):
    first, _ = app.respond("cookies", [], 2, qa=fake_qa)
    second, _ = app.respond("password", first, 2, qa=fake_qa)
    assert second[:2] == first
    assert second[3]["content"] == app.respond("password", [], 2, qa=fake_qa)[0][1]["content"]


def test_example_button_answers_its_question(fake_qa):
    history = app.ask_example("cookies", [], 2, qa=fake_qa)
    assert history == app.respond("cookies", [], 2, qa=fake_qa)[0]


def test_slider_float_k_is_a_whole_number(fake_qa):
    history, _ = app.respond("cookies", None, 4.0, qa=fake_qa)
    assert history[1]["content"].count('class="pqa-cite"') == 4


@pytest.mark.parametrize(
    ("question", "k", "shown_question", "message"),
    [
        ("", 5, False, "the question is empty"),
        ("   ", 5, False, "the question is empty"),
        ("x" * 2500, 5, True, "keep it under 2000"),
        ("cookies", 11.5, True, "k must be a whole number"),
    ],
)
def test_bad_input_is_a_friendly_notice_and_the_text_stays(fake_qa, question, k, shown_question, message):
    history, left = app.respond(question, [], k, qa=fake_qa)
    assert left == question
    assert [m["role"] for m in history] == (["user", "assistant"] if shown_question else ["assistant"])
    assert 'class="pqa-notice"' in history[-1]["content"] and message in history[-1]["content"]
    assert "Traceback" not in json.dumps(history)
    if shown_question:
        assert len(history[0]["content"]) < 600


def test_question_html_is_shown_as_text(fake_qa):
    history, _ = app.respond(INJECTION, [], 2, qa=fake_qa)
    assert "<img" not in json.dumps(history)
    assert "&lt;img src=x onerror=alert(1)&gt;" in history[0]["content"]


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
def served(real_qa) -> Iterator[str]:
    """The app in this process on a free localhost port, over a copy of the shipped index."""
    with serving(real_qa) as url:
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
def test_ask_api_k_defaults_to_settings(client, real_qa):
    assert len(client.predict(SEED, api_name="/ask")["hits"]) == real_qa.settings.k


@pytest.mark.model
@pytest.mark.parametrize(
    ("question", "k", "message"), [("", 3, "empty"), (SEED, 0, "k must be"), ("x" * 2001, 3, "2000")]
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
