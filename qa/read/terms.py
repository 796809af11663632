"""Defined terms and cross-references, detected from the policy text itself.

A definition takes one of three forms:
- a quoted, capitalised phrase in parentheses after the text it names:
  `bank account numbers, ... ("Account Information")`;
- a quoted phrase followed by "means" (or "refers to", "is defined as", "shall mean"):
  `"Usage Data" means information about ...`;
- a glossary entry, in a section titled like a glossary ("Definitions", "Key terms",
  "Interpretation"), a clause that starts with a capitalised phrase and a colon or dash
  and goes on for at least four words: `Device: A TinkerBox hub, sensor or robot ...`
  (an HTML `<dt>` joined to its `<dd>` reads this way).
A cross-reference names clause numbers (`B.1 to B.9 above`, `C.2 and C.3`) or a
lettered paragraph (`paragraph D above`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.types import Clause, Policy, Sentence

_PAREN = re.compile(r"\(([^()]*)\)")
_TERM = r"[A-Z][\w/&-]*(?: [A-Za-z][\w/&-]*){0,4}"
_QUOTED_TERM = re.compile(rf"[\"“]({_TERM})[\"”]")
# '"Personal Data" or "Personal Information" means ...': every quoted term before the verb is defined.
_MEANS = re.compile(r"\b(?:means|mean|refers to|refer to|is defined as|are defined as|shall mean)\s+(?=\S)")
_WHOLE_TERM = re.compile(rf"{_TERM}")
# A quoted term is at most this long, and at most this many are defined by one verb: the scan stays linear.
_MAX_TERM = 80
_MAX_TERMS = 6
# A gist is read from at most this much text before a parenthesised term or after "means".
_GIST_WINDOW = 2000
# A capitalised word, then up to three more capitalised or small words: "Child Profile", "Terms of Use".
_ENTRY = re.compile(r"^([A-Z][\w/&-]*(?: (?:[A-Z][\w/&-]*|of|and|the|for)){0,3})\s*(?::|\s[-–—])\s+(\S.*)", re.DOTALL)
_ENTRY_MIN_WORDS = 4
_GLOSSARY_TITLE = re.compile(r"defin|glossar|\bterms\b|interpret|meaning", re.IGNORECASE)
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


def _first_words(text: str) -> str:
    """The start of a definition that follows its term, at most 40 words, without closing punctuation."""
    return " ".join(text.split()[:_GIST_WORDS]).rstrip(" .;:")


def _gist(before: str) -> str:
    """'info, including, but not limited to, a, b and c ' -> 'a, b and c'."""
    matches = list(_INCLUDING.finditer(before))
    text = before[matches[-1].end() :] if matches else before
    words = text.strip(" ,;:()").split()
    return " ".join(words[-_GIST_WORDS:])


def _sentence_spans(policy: Policy, sentences: tuple[Sentence, ...] | None) -> dict[str, list[tuple[int, int]]]:
    """Clause id -> its sentence spans: from a store's sentences, else by splitting the clauses."""
    if sentences is None:
        from qa.read.sentences import split_text  # subtle: nltk's import costs ~2 s; a loaded store has the spans

        return {clause.id: split_text(clause.text) for clause in policy.clauses}
    spans: dict[str, list[tuple[int, int]]] = {clause.id: [] for clause in policy.clauses}
    for sentence in sentences:
        spans[sentence.clause_id].append((sentence.start, sentence.end))
    return spans


def find_definitions(policy: Policy, sentences: tuple[Sentence, ...] | None = None) -> tuple[Definition, ...]:
    """Every defined term, in document order; the first definition of a term wins.

    `sentences`: the policy's sentences as its store holds them (split by `qa.read.sentences`), if at hand.
    """
    found: dict[str, Definition] = {}
    spans = _sentence_spans(policy, sentences)
    glossary = _glossary(policy, spans)
    for clause in policy.clauses:
        if clause.id in glossary:
            found.setdefault(glossary[clause.id].term, glossary[clause.id])
        for start, end in spans[clause.id]:
            sentence = clause.text[start:end]
            for term, gist in _defined_in(sentence):
                found.setdefault(term, Definition(term, clause.id, sentence, gist))
    return tuple(found.values())


def _defined_in(sentence: str) -> list[tuple[str, str]]:
    """(term, gist) for each parenthesised or "means" definition in one sentence, in order."""
    defined = [
        (quoted.group(1), _gist(sentence[max(0, paren.start() - _GIST_WINDOW) : paren.start()]))
        for paren in _PAREN.finditer(sentence)
        for quoted in _QUOTED_TERM.finditer(paren.group(1))
    ]
    for means in _MEANS.finditer(sentence):
        terms = quoted_terms_before(sentence, means.start())
        defined += [(term, _first_words(sentence[means.end() : means.end() + _GIST_WINDOW])) for term in terms]
    return defined


def quoted_terms_before(text: str, end: int) -> list[str]:
    """The quoted terms that `text[:end]` ends with, joined by "or" / "and", first first.

    >>> quoted_terms_before('Here "Personal Data" or "Personal Information", means', 46)
    ['Personal Data', 'Personal Information']
    """
    terms: list[str] = []
    i = _before_space_and_comma(text, end)
    while len(terms) < _MAX_TERMS and i > 0 and text[i - 1] in '"”':
        opening = max(
            text.rfind('"', max(0, i - 1 - _MAX_TERM), i - 1), text.rfind("“", max(0, i - 1 - _MAX_TERM), i - 1)
        )
        if opening < 0 or not _WHOLE_TERM.fullmatch(text[opening + 1 : i - 1]):
            break
        terms.insert(0, text[opening + 1 : i - 1])
        before = text[max(0, opening - 8) : opening]
        joiner = next((j for j in (" or ", " and ", ", or ", ", and ") if before.endswith(j)), None)
        if joiner is None:
            break
        i = _before_space_and_comma(text, opening - len(joiner) + 1)
    return terms


def _before_space_and_comma(text: str, end: int) -> int:
    """Where `text[:end]` ends without the spaces and the one comma at its end (looking back a few characters)."""
    i = end
    while i > 0 and end - i < _MAX_TERM and text[i - 1].isspace():
        i -= 1
    return i - 1 if i > 0 and text[i - 1] == "," else i


def _glossary(policy: Policy, spans: dict[str, list[tuple[int, int]]]) -> dict[str, Definition]:
    """Clause id -> the definition of a glossary entry ("Device: A TinkerBox hub ...").

    Entries count only in a section titled like a glossary, with at least two of them and no
    term twice: "Email: write to privacy@..." under "Contact us" is not a definition, nor are
    table rows that all start "Category: ...".
    """
    by_section: dict[str, list[Definition]] = {}
    for clause in policy.clauses:
        if not spans[clause.id] or not _GLOSSARY_TITLE.search(clause.own_title):  # not a parent's title
            continue
        start, end = spans[clause.id][0]
        sentence = clause.text[start:end]
        match = _ENTRY.match(sentence)
        if match and len(match.group(2).split()) >= _ENTRY_MIN_WORDS:
            entry = Definition(match.group(1), clause.id, sentence, _first_words(match.group(2)))
            by_section.setdefault(clause.section, []).append(entry)
    return {
        entry.clause_id: entry
        for entries in by_section.values()
        if len(entries) >= 2 and len({e.term for e in entries}) == len(entries)
        for entry in entries
    }


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
