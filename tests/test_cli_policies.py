"""Bring your own policy: `policyqa index FILE --name`, `list`, `ask --policy`, as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import DATA


def run(*args: str, home):
    """The console entry point as a user runs it, with its data folder at `home` (the shipped policy as is)."""
    env = {**os.environ, "POLICYQA_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "qa", *args], capture_output=True, text=True, env=env, timeout=600)


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return tmp_path_factory.mktemp("library")


@pytest.mark.model
def test_add_list_and_ask_another_policy(home):
    added = run("index", str(DATA / "docs" / "acme.md"), "--name", "acme-cloud", home=home)
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip().endswith(str(home / "index" / "acme-cloud"))
    listed = run("list", home=home)
    assert listed.returncode == 0, listed.stderr
    names = [line.split()[0] for line in listed.stdout.splitlines()]
    assert names == ["name", "alibaba-2015", "acme-cloud"]
    assert "Acme Cloud Privacy Policy" in listed.stdout
    asked = run("ask", "How long do you keep my files?", "--policy", "acme-cloud", "--json", "-k", "3", home=home)
    assert asked.returncode == 0, asked.stderr
    top = json.loads(asked.stdout)["hits"][0]
    assert (top["clause_id"], top["citation"]) == ("D.p1", "§D ¶1 Data Retention")
    default = run("ask", "Who can see my bank details?", "--json", "-k", "1", home=home)
    assert json.loads(default.stdout)["hits"][0]["clause_id"] == "C.6"
    removed = run("remove", "acme-cloud", home=home)
    assert removed.returncode == 0, removed.stderr
    assert removed.stdout.strip() == "removed acme-cloud (its policy file and its index)"
    assert [line.split()[0] for line in run("list", home=home).stdout.splitlines()] == ["name", "alibaba-2015"]
    assert not (home / "index" / "acme-cloud").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("ask", "cookies?", "--policy", "nope"), "no policy named 'nope'"),
        (("ask", "cookies?", "--policy", "../x"), "is not allowed"),
        (("index", str(DATA / "docs" / "acme.md")), "needs a name"),
        (("index", str(DATA / "policyqa-slice.json"), "--name", "x"), "unsupported file type"),
        (("remove", "alibaba-2015"), "cannot be removed"),
        (("remove", "nope"), "no added policy named 'nope'"),
    ],
)
def test_bad_policy_arguments_are_one_line(home, args, message):
    result = run(*args, home=home)
    assert result.returncode == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
