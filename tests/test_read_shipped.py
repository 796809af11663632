"""The shipped policy parses to the clauses its committed index was built from: every clause's id,
citation and text, its title and date, as recorded in tests/data/docs/alibaba-2015.clauses.json."""

from __future__ import annotations

import json
from pathlib import Path

from qa.read.documents import load_policy

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = ROOT / "tests" / "data" / "docs" / "alibaba-2015.clauses.json"


def test_the_shipped_policy_parses_to_its_recorded_clauses():
    policy = load_policy(ROOT / "policies" / "alibaba-2015.html")
    want = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert (policy.title, policy.updated) == (want["title"], want["updated"])
    assert [[c.id, c.citation, c.text] for c in policy.clauses] == want["clauses"]
