"""Real privacy policies read as they are written: each document of tests/data/corpus/ against its
expected file (title, sections, clause count, citations, what is dropped as chrome), with no markup in
any clause or title, and no text lost or read twice, checked against an extraction of the visible text
that is independent of the readers (the standard library's html.parser; markdown-it's HTML; pypdf's
plain text)."""

from __future__ import annotations

import io
import json
import re
import unicodedata
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import pytest

from qa.read.documents import load_policy
from qa.read.text import HTML_TAGS
from qa.types import Policy

CORPUS = Path(__file__).resolve().parent / "data" / "corpus"
DOCUMENTS = sorted(p.name for p in CORPUS.iterdir() if p.is_file() and p.name != "SOURCES.md")
# Markdown or HTML syntax that must never reach a clause or a title.
SYNTAX = ("](", "**", "{:", "{#", "![", "&amp;", "&nbsp;", "&#", "|---", "| --- |", "\\|", "<!--")
# A sentence of the visible text has at least this many words (shorter ones are menu items and labels).
SENTENCE_WORDS = 3
# A PDF's text is compared in runs of this many letters and digits (spaces differ between extractors).
CHARACTER_RUN = 24
_BLOCK_TAGS = {"p", "li", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "div", "section", "article", "dd", "dt",
               "br", "tr", "ul", "ol", "table", "blockquote", "main", "header", "footer", "nav", "aside", "form",
               "button", "option", "label", "hr", "pre"}  # fmt: skip
_INVISIBLE = {"script", "style", "head", "template", "noscript", "svg"}


@cache
def parsed(name: str) -> Policy:
    return load_policy(CORPUS / name)


@cache
def expected(name: str) -> dict:
    return json.loads((CORPUS / "expected" / f"{name}.json").read_text(encoding="utf-8"))


class _VisibleText(HTMLParser):
    """Every piece of visible text of a page, one per block element; the cells of each table row apart."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = [""]
        self.rows: list[list[str]] = []
        self.in_table = 0
        self._invisible = 0
        self.table_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self._invisible += tag in _INVISIBLE
        self.in_table += tag == "table"
        if tag == "tr":
            self.rows.append([])
        if tag in ("td", "th") and self.rows:
            self.rows[-1].append("")
        if tag in _BLOCK_TAGS:
            self.blocks.append("")
            if self.rows and self.rows[-1]:
                self.rows[-1][-1] += " "  # a cell's paragraphs and items are words apart

    def handle_endtag(self, tag: str) -> None:
        self._invisible = max(0, self._invisible - (tag in _INVISIBLE))
        self.in_table = max(0, self.in_table - (tag == "table"))
        if tag in _BLOCK_TAGS:
            self.blocks.append("")

    def handle_data(self, data: str) -> None:
        if self._invisible:
            return
        self.blocks[-1] += data
        if self.in_table and self.rows and self.rows[-1]:
            self.rows[-1][-1] += data
            self.table_text.append(data)


def visible_text(name: str) -> _VisibleText:
    """The visible text of a web page, of Markdown rendered by markdown-it, or of crawled text."""
    from markdown_it import MarkdownIt
    from mdit_py_plugins.front_matter import front_matter_plugin

    text = (CORPUS / name).read_text(encoding="utf-8")
    if name.endswith(".md"):
        text = MarkdownIt("commonmark", {"html": True}).enable("table").use(front_matter_plugin).render(text)
    elif name.endswith(".txt"):
        text = "<p>".join(re.split(r"\n[ \t]*\n|\n(?=[^<\n]*<)|(?<=>)[ \t]*\n", text))
    reader = _VisibleText()
    reader.feed(text)
    reader.close()
    return reader


def words(text: str) -> str:
    """Lower-case words and numbers, one space apart, framed by spaces: ' we use cookies '."""
    return " " + " ".join(re.findall(r"\w+", unicodedata.normalize("NFKC", text).lower().replace("-", ""))) + " "


def sentences(blocks: list[str]) -> list[str]:
    return [s.strip() for b in blocks for s in re.split(r"(?<=[.!?:;])\s+", b) if len(words(s).split()) >= 3]


def test_the_corpus_is_every_document_with_its_source_and_expected_file():
    sources = (CORPUS / "SOURCES.md").read_text(encoding="utf-8")
    assert len(DOCUMENTS) == 22
    for name in DOCUMENTS:
        assert f"`{name}`" in sources
        assert (CORPUS / "expected" / f"{name}.json").is_file()


@pytest.mark.parametrize("name", DOCUMENTS)
def test_title_sections_clauses_and_citations(name):
    policy, want = parsed(name), expected(name)
    assert policy.title == want["title"]
    assert policy.updated == want["updated"]
    assert len(policy.clauses) == want["clauses"]
    titles = [section.title for section in policy.sections]
    positions = [titles.index(title) for title in want["sections"]]
    assert positions == sorted(positions), "sections out of order"
    by_citation = {clause.citation: clause.text for clause in policy.clauses}
    for citation, start in want["citations"]:
        assert by_citation[citation].startswith(start), citation
    assert sum(len(clause.text) < 25 for clause in policy.clauses) == want["short_clauses"]


@pytest.mark.parametrize("name", DOCUMENTS)
def test_no_markup_in_any_clause_or_title(name):
    policy = parsed(name)
    texts = [policy.title, *(s.title for s in policy.sections), *(c.text for c in policy.clauses)]
    for text in texts:
        lower = text.lower()
        assert not [mark for mark in SYNTAX if mark in text], text
        assert not [tag for tag in HTML_TAGS if f"<{tag}>" in lower or f"<{tag} " in lower or f"</{tag}>" in lower]
        assert not lower.startswith(("---", "title:", "layout:", "permalink:")), text


@pytest.mark.parametrize("name", [n for n in DOCUMENTS if not n.endswith(".pdf")])
def test_every_visible_sentence_lands_in_exactly_one_clause(name):
    """Each sentence of the visible text is in one clause (or is a heading or the date), unless it is
    chrome listed in the expected file; none is in more clauses than the source has it."""
    policy, visible = parsed(name), visible_text(name)
    clauses = [words(clause.text) for clause in policy.clauses]
    headings = "".join(words(f"{s.letter} {s.title}") for s in policy.sections) + words(policy.title)
    headings += words(policy.updated or "")
    source = words(" ".join(visible.blocks))
    in_tables = words(" ".join(visible.table_text))
    missing, twice = [], []
    for sentence in sentences(visible.blocks):
        key = words(sentence)
        found = sum(clause.count(key) for clause in clauses)
        if found == 0 and key not in headings:
            missing.append(sentence)
        elif found > source.count(key) and key not in in_tables:  # a header cell labels every row
            twice.append(sentence)
    assert sorted(set(missing)) == sorted(set(expected(name)["dropped"]))
    assert twice == []


@pytest.mark.parametrize("name", [n for n in DOCUMENTS if not n.endswith(".pdf")])
def test_every_table_row_is_kept_whole_in_one_clause(name):
    policy, visible = parsed(name), visible_text(name)
    clauses = [words(clause.text) for clause in policy.clauses]
    rows = [[words(cell) for cell in row if words(cell).strip()] for row in visible.rows]
    kept = [row for row in rows if any(all(cell in clause for cell in row) for clause in clauses)]
    assert len(rows) - len(kept) == expected(name).get("table_rows_dropped", 0)
    assert len(rows) == expected(name).get("table_rows", 0)


def _characters(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).lower() if ch.isalnum())


@pytest.mark.parametrize("name", [n for n in DOCUMENTS if n.endswith(".pdf")])
def test_a_pdf_s_text_is_all_in_its_clauses(name):
    """Every run of `CHARACTER_RUN` letters and digits of pypdf's plain text is in the policy's text, except
    the runs the expected file lists (running headers, page numbers; tables not yet read in order)."""
    from pypdf import PdfReader

    pages = PdfReader(io.BytesIO((CORPUS / name).read_bytes())).pages
    source = _characters("\n".join(page.extract_text() for page in pages))
    policy = parsed(name)
    text = _characters(f"{policy.title}\n{policy.updated or ''}\n{policy.text}")
    covered = bytearray(len(source))
    for i in range(len(source) - CHARACTER_RUN + 1):
        if source[i : i + CHARACTER_RUN] in text:
            covered[i : i + CHARACTER_RUN] = b"\x01" * CHARACTER_RUN
    runs = [source[m.start() : m.end()][:40] for m in re.finditer("\x00+", covered.decode("latin-1"))]
    want = expected(name)
    assert sorted(runs) == sorted(want["dropped"] + want.get("known_gaps", []))


@pytest.mark.parametrize("name", [n for n in DOCUMENTS if n.endswith(".pdf")])
def test_no_sentence_of_a_pdf_is_split_between_clauses(name):
    """A clause that ends without a stop is never followed by one that goes on in lower case."""
    clauses = parsed(name).clauses
    split = [
        [a.text[-40:], b.text[:40]]
        for a, b in zip(clauses, clauses[1:], strict=False)
        if a.section == b.section
        and b.text[:1].islower()
        and not a.text.rstrip(")\"'”’").endswith((".", ":", ";", "?", "!"))
    ]
    assert split == expected(name).get("split_sentences", [])


@pytest.mark.parametrize("name", DOCUMENTS)
def test_no_paragraph_is_taken_for_a_heading(name):
    """A heading names a section in a few words; a paragraph set in a larger or bolder type is text, and
    its sentences belong in a clause (a PDF once lost a section's paragraphs into its headings)."""
    policy = parsed(name)
    own_titles = [section.title.rsplit(" › ", 1)[-1] for section in policy.sections]
    assert [title for title in own_titles if len(title.split()) > 25] == []


@pytest.mark.parametrize("name", DOCUMENTS)
def test_no_section_is_named_by_a_web_address_or_a_fragment_of_one(name):
    """A table's cells once made sections of a PDF ("w.com", "rg", "https://www.voiceflo")."""
    own_titles = [section.title.rsplit(" › ", 1)[-1] for section in parsed(name).sections]
    fragments = [t for t in own_titles if len(t) < 3 or re.search(r"https?://|^\S+\.(?:com|org|net|io)\S*$", t)]
    assert fragments == []
