"""The real entry points, run as a user would: exit codes and output."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SHIPPED_INDEX

SEED = "Who can see my bank details?"


def run(*args: str, index_dir: Path | None = None, entry: tuple[str, ...] = (sys.executable, "-m", "qa")):
    env = dict(os.environ)
    if index_dir is not None:
        env["POLICYQA_INDEX_DIR"] = str(index_dir.parent)  # the folder of indexes, one per policy
    return subprocess.run([*entry, *args], capture_output=True, text=True, env=env, timeout=300)


@pytest.fixture(scope="module")
def index_copy(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("cli") / "alibaba-2015"
    shutil.copytree(SHIPPED_INDEX, target)
    return target


@pytest.mark.model
def test_ask_json_shape_and_seed_question(index_copy):
    result = run("ask", SEED, "--json", "-k", "5", index_dir=index_copy)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert set(answer) == {
        "question",
        "covered",
        "summary",
        "reason",
        "coverage",
        "corrected",
        "expansion",
        "follows",
        "hits",
    }
    assert answer["question"] == SEED and answer["covered"] is True and answer["follows"] == ""
    coverage = answer["coverage"]
    assert set(coverage) == {
        "similarity",
        "similarity_threshold",
        "word",
        "closest",
        "word_similarity",
        "word_threshold",
        "answered",
        "answered_threshold",
    }
    assert coverage["similarity"] >= coverage["similarity_threshold"]
    assert coverage["answered"] >= coverage["answered_threshold"]  # the reader is on by default
    assert [hit["rank"] for hit in answer["hits"]] == [1, 2, 3, 4, 5]
    for hit in answer["hits"]:
        assert {
            "rank",
            "clause_id",
            "section",
            "section_title",
            "clause",
            "citation",
            "sentence",
            "text",
            "score",
            "confidence",
        } <= set(hit)
        assert hit["sentence"] in hit["text"] and 0 <= hit["confidence"] <= 1
    top3 = {hit["clause_id"]: hit for hit in answer["hits"][:3]}
    assert {"C.6", "C.4"} & set(top3)
    if "C.6" in top3:
        assert top3["C.6"]["citation"] == "§C.6 Disclosure of Personal Data"
        assert (top3["C.6"]["section"], top3["C.6"]["clause"]) == ("C", 6)


@pytest.mark.model
def test_console_script_prints_readable_citations(index_copy):
    script = Path(sys.executable).with_name("policyqa")
    result = run("ask", "Do you use cookies?", "-k", "2", index_dir=index_copy, entry=(str(script),))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Q: Do you use cookies?")
    assert "§E ¶1 Cookies" in result.stdout
    assert result.stderr == ""


@pytest.mark.model
def test_ask_ends_with_the_policy_words_it_also_searched_for(index_copy):
    result = run("ask", "Do the police get my details?", "-k", "1", index_dir=index_copy)
    assert result.returncode == 0, result.stderr
    assert "1. §C.3 Disclosure of Personal Data" in result.stdout
    text = " ".join(result.stdout.split())  # the note is wrapped like the clauses
    note = text[text.index("Also searched") :]
    assert note.startswith("Also searched for the policy’s own words: “enforcement”, “law” for “police”")
    assert text.index("§C.3") < text.index("Also searched")


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (("ask", ""), "the question is empty; type a question about the policy"),
        (("ask", "   "), "the question is empty; type a question about the policy"),
        (("ask", "x" * 2001), "the question has 2001 characters; keep it to at most 2,000"),
        (("ask", "cookies?", "-k", "0"), "k must be a whole number from 1 to 50, not 0"),
        (("ask", "cookies?", "-k", "51"), "k must be a whole number from 1 to 50, not 51"),
    ],
)
def test_bad_input_is_one_line_and_status_2(args, line):
    result = run(*args)
    assert (result.returncode, result.stdout, result.stderr) == (2, "", f"policyqa: error: {line}\n")


def test_unknown_k_is_a_usage_error():
    result = run("ask", "cookies?", "-k", "abc")
    assert result.returncode == 2
    assert "invalid int value" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.model
def test_index_command_rebuilds(tmp_path):
    target = tmp_path / "idx" / "alibaba-2015"
    result = run("index", index_dir=target)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"indexed 84 sentences from 44 clauses of alibaba-2015.html into {target}"
    manifest = json.loads((target / "manifest.json").read_text())
    shipped = json.loads((SHIPPED_INDEX / "manifest.json").read_text())
    assert {k: manifest[k] for k in ("model_fingerprint", "policy_sha256", "count")} == {
        k: shipped[k] for k in ("model_fingerprint", "policy_sha256", "count")
    }
    assert (target / "sentences.jsonl").read_bytes() == (SHIPPED_INDEX / "sentences.jsonl").read_bytes()
