"""Defined terms and cross-references, detected from the policy text itself.

A definition is a quoted, capitalised phrase in parentheses after the text it
names: `bank account numbers, ... ("Account Information")`. A cross-reference
names clause numbers (`B.1 to B.9 above`, `C.2 and C.3`) or a lettered
paragraph (`paragraph D above`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.types import Clause, Policy, Sentence

_PAREN = re.compile(r"\(([^()]*)\)")
_QUOTED_TERM = re.compile(r"[\"“]([A-Z][\w/&-]*(?: [A-Za-z][\w/&-]*){0,4})[\"”]")
_INCLUDING = re.compile(r"\binclud(?:ing|es?)\b(?:,?\s*but\s+(?:is\s+)?not\s+limited\s+to,?)?\s*", re.I)
_CLAUSE_REF = re.compile(r"\b([A-Z])\.(\d{1,2})(?:\s+(to|and|or|-|–)\s+([A-Z])\.(\d{1,2}))?\b")
_SECTION_REF = re.compile(r"\b(?:paragraph|section|part)\s+([A-Z]|\d{1,2})\b(?!\.\d)", re.I)
_GIST_WORDS = 40


@dataclass(frozen=True)
class Definition:
    """A defined term, the clause and sentence that define it, and a short gist.

    The gist is what the term stands for: the list after "including" when there
    is one, else the words before the parenthesis (at most 40 words).
    """

    term: str
    clause_id: str
    sentence: str
    gist: str


def _gist(before: str) -> str:
    """'info, including, but not limited to, a, b and c ' -> 'a, b and c'."""
    matches = list(_INCLUDING.finditer(before))
    text = before[matches[-1].end() :] if matches else before
    words = text.strip(" ,;:()").split()
    return " ".join(words[-_GIST_WORDS:])


def _sentence_spans(policy: Policy, sentences: tuple[Sentence, ...] | None) -> dict[str, list[tuple[int, int]]]:
    """Clause id -> its sentence spans: from a store's sentences, else by splitting the clauses."""
    if sentences is None:
        from qa.split import split_text  # subtle: nltk's import costs ~2 s; a loaded store has the spans

        return {clause.id: split_text(clause.text) for clause in policy.clauses}
    spans: dict[str, list[tuple[int, int]]] = {clause.id: [] for clause in policy.clauses}
    for sentence in sentences:
        spans[sentence.clause_id].append((sentence.start, sentence.end))
    return spans


def find_definitions(policy: Policy, sentences: tuple[Sentence, ...] | None = None) -> tuple[Definition, ...]:
    """Every defined term, in document order; the first definition of a term wins.

    `sentences`: the policy's sentences as its store holds them (split by `qa.split`), if at hand.
    """
    found: dict[str, Definition] = {}
    spans = _sentence_spans(policy, sentences)
    for clause in policy.clauses:
        for start, end in spans[clause.id]:
            sentence = clause.text[start:end]
            for paren in _PAREN.finditer(sentence):
                for quoted in _QUOTED_TERM.finditer(paren.group(1)):
                    term = quoted.group(1)
                    if term not in found:
                        gist = _gist(sentence[: paren.start()])
                        found[term] = Definition(term, clause.id, sentence, gist)
    return tuple(found.values())


def terms_used(clause: Clause, definitions: tuple[Definition, ...]) -> tuple[tuple[str, str], ...]:
    """(term, defining clause id) for each defined term `clause` uses outside its own definition.

    Longer terms shadow shorter ones they contain ("Sites" is not also "Site").
    """
    used: list[tuple[str, str]] = []
    taken: list[tuple[int, int]] = []
    for definition in sorted(definitions, key=lambda d: -len(d.term)):
        if definition.clause_id == clause.id:
            continue
        for match in re.finditer(rf"\b{re.escape(definition.term)}\b(?!\.\w)", clause.text):
            if not any(a <= match.start() < b for a, b in taken):
                taken.append(match.span())
                used.append((definition.term, definition.clause_id))
                break
    order = {d.term: i for i, d in enumerate(definitions)}
    return tuple(sorted(used, key=lambda pair: order[pair[0]]))


def expansions(
    definitions: tuple[Definition, ...], used_by_clause: dict[str, tuple[tuple[str, str], ...]]
) -> dict[str, str]:
    """What each term stands for, one level deep: its gist plus the gists of the terms
    its defining clause uses. "Personal Data" (A.7, which names Account Information)
    -> "... personal data" + "bank account numbers, billing ...".
    """
    gist = {d.term: d.gist for d in definitions}
    return {
        d.term: " ".join([d.gist, *(gist[term] for term, _ in used_by_clause.get(d.clause_id, ()))])
        for d in definitions
    }


def find_references(clause: Clause, policy: Policy) -> tuple[str, ...]:
    """Clause ids that `clause` refers to, in order of mention, without itself.

    "purposes specified at B.1 to B.9 above" -> ("B.1", ..., "B.9");
    "the address set out in paragraph D above" -> every clause of section D.
    """
    ids = [c.id for c in policy.clauses]
    found: list[str] = []
    for match in _CLAUSE_REF.finditer(clause.text):
        first = f"{match.group(1)}.{match.group(2)}"
        if match.group(3) in ("to", "-", "–") and match.group(4) == match.group(1):
            span = range(int(match.group(2)), int(match.group(5)) + 1)
            found.extend(f"{match.group(1)}.{n}" for n in span)
        else:
            found.append(first)
            if match.group(4):
                found.append(f"{match.group(4)}.{match.group(5)}")
    for match in _SECTION_REF.finditer(clause.text):
        found.extend(c.id for c in policy.clauses if c.section == match.group(1))
    known = [i for i in dict.fromkeys(found) if i in ids and i != clause.id]
    return tuple(known)
