"""A reader's blocks -> `Policy`: sections, clauses and their spans.

Readers turn a file into `Block`s (`qa.read.html` for web pages, `qa.read.markdown`
for Markdown, `qa.read.text` for plain text, `qa.read.pdf` for PDF); this module finds the structure in them:
headings (HTML `<h1>`..`<h6>`, an all-bold paragraph, Markdown `#`, a short
plain-text line) start sections, numbered by the document's own scheme when
it has one ("A.", "3.", "3.1", "IV.", "Section 4"), else by their title;
paragraphs that open with "1." are numbered clauses ("C.6"), the others
paragraphs ("E.p2"); text before the first heading is the preamble ("P").
Navigation and footers are dropped: chrome blocks (`qa.read.blocks.is_chrome`) and
the short link-like blocks before the first and after the last prose block.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.errors import PolicyError
from qa.read.blocks import (
    CLOSING_MARKS,
    FULL_STOP,
    SENTENCE_END,
    Block,
    group_lines,
    is_chrome,
    is_sentence,
    merge_short_items,
    nest_items,
    title_case,
    without_site_name,
)
from qa.types import TITLE_PATH, Clause, Policy, Section

# Part of every store's manifest: bump it when parsing or sentence splitting gives other clauses or
# sentences for the same document, so stores built before are rebuilt (2: readers and numbering of
# other policies' HTML and Markdown reworked; 3: abbreviations in all-caps headings kept, "CCTV" not "Cctv";
# 4: a nested list item joins its parent item; 5: a subsection's title names the headings it sits under,
# whole-sentence list items without a lead-in stay apart, and a list after a last lead-in is kept;
# 6: Markdown read by markdown-it (CommonMark, tables, front matter), HTML by a linear scanner with the
# page's <main> or <article> only, table rows whole, addresses one clause, numbered headings nested by
# their numbers, "Last update" dates, crawled text with tags, PDF wraps and titles, no super-linear regex;
# 7: a paragraph set in a PDF's larger type is a paragraph, not a heading; a bold sentence is not a heading;
# 8: a PDF's word gaps from its fonts' glyph widths and pypdf's own spaces, its tables read row by row).
PARSER_VERSION = 8
_NUMBERED = re.compile(r"^(\d{1,2})[.)]\s+(\S.*)$", re.DOTALL)
# "3.1 We sell ..." in section 3: the section's own number, then the clause's; the text starts a sentence.
_SUBNUMBERED = re.compile(r"^([0-9A-Za-z]{1,6})\.(\d{1,2})[.)]?\s+([A-Z\"“(].*)$", re.DOTALL)
_UPDATED = re.compile(
    r"^\(?\s*(?:last\s+)?(?:updated?|revised|modified|effective(?:\s+date)?|version)(?:\s+as\s+of|\s+on)?\s*:?\s*(.+?)\s*\)?$",
    re.I,
)
_HEADING_NUMBERS = (
    re.compile(r"^(?:section|article|part|chapter)\s+(\d{1,2}|[IVXLC]{1,6}|[A-Z])\b\s*[.:)\-–—]*\s*(.*)$", re.I),
    re.compile(r"^([A-Z])[.)]\s+(\S.*)$"),
    re.compile(r"^(\d{1,2}(?:\.\d{1,2})*)[.)]?\s+(\S.*)$"),
    re.compile(r"^([IVXLC]{1,6})[.)]\s+(\S.*)$"),
)
_MAX_HEADING_WORDS = 15


def heading_of(block: Block) -> tuple[str | None, str] | None:
    """(the document's own section number or None, title) when `block` is a heading.

    >>> heading_of(Block(("A. COLLECTION OF INFORMATION",), bold=True))
    ('A', 'Collection of Information')
    >>> heading_of(Block(("Section 4 - Cookies",), level=2))
    ('4', 'Cookies')
    """
    text = block.text.rstrip(":").strip()
    if not (block.level or (block.bold and len(text.split()) <= _MAX_HEADING_WORDS and not _bold_sentence(text))):
        return None
    number: str | None = None
    for pattern in _HEADING_NUMBERS:
        match = pattern.match(text)
        if match and match.group(2).strip():
            number, text = match.group(1).upper(), match.group(2).strip()
            break
    return number, title_case(text) if text.isupper() else text


def _bold_sentence(text: str) -> bool:
    """A bold paragraph that is a whole sentence, not a heading: five words or more ending in a full stop.

    >>> _bold_sentence("We never sell your personal data."), _bold_sentence("Cookies and Similar Technologies")
    (True, False)
    """
    return len(text.split()) >= 5 and text.rstrip(CLOSING_MARKS).endswith(FULL_STOP)


def is_content(block: Block) -> bool:
    """A prose block: it ends like a sentence, or it is long."""
    text = block.text.rstrip(CLOSING_MARKS + " ")
    return not block.level and (text.endswith(SENTENCE_END) or len(text.split()) >= 8)


@dataclass(frozen=True)
class _Heading:
    """A section heading as the document gives it: its level (HTML or Markdown `#`; 2 for a
    plain-text or PDF-sized one; 0 for a bold paragraph), its own number if any, and its title."""

    level: int
    number: str | None
    title: str

    def contains(self, other: _Heading) -> bool:
        """Whether `other` is a subheading of this one: at a deeper HTML or Markdown level,
        or numbered under it ("3.1" under "3").

        >>> _Heading(2, "3", "Sharing").contains(_Heading(3, None, "Service providers"))
        True
        >>> _Heading(0, "3", "Sharing").contains(_Heading(0, "3.1", "Service providers"))
        True
        >>> _Heading(2, "3", "Sharing").contains(_Heading(2, "4", "Your Rights"))
        False
        >>> _Heading(2, "8", "Your Rights").contains(_Heading(3, "9", "Retention"))
        False
        """
        if self.number and other.number and self.number[0].isdigit() == other.number[0].isdigit():
            return other.number.startswith(f"{self.number}.")  # one numbering: "9" is no part of "8"
        return 0 < self.level < other.level


class _Builder:
    """Accumulates the cleaned policy text and the clauses with their spans."""

    def __init__(self, title_level: int = 0) -> None:
        self.title_level = title_level  # headings at this level are the document's title, never a parent
        self.text = ""
        self.sections: list[Section] = [Section("P", "Preamble")]
        self.clauses: list[Clause] = []
        self._ids: set[str] = set()
        self._paragraphs = 0
        self._unnumbered = 0
        self._open: list[_Heading] = []  # the heading of the current section and those it sits under

    def start_section(self, heading: _Heading) -> None:
        """A new section; its title is led by the titles of the open headings it sits under, so a
        citation of "3.1 Service providers" also names "3. Sharing Your Data"."""
        while self._open and not self._open[-1].contains(heading):
            self._open.pop()
        title = TITLE_PATH.join([h.title for h in self._open] + [heading.title])
        if heading.level != self.title_level:
            self._open.append(heading)
        number = heading.number
        if number is None or number in {s.letter for s in self.sections}:
            self._unnumbered += 1
            number, line = f"S{self._unnumbered}", heading.title
        else:
            line = f"{number}. {heading.title}"
        self.sections.append(Section(number, title))
        self._paragraphs = 0
        self.text += f"{line}\n\n"

    def _numbered(self, paragraph: str) -> tuple[int, str, str] | None:
        """(number, prefix, body) of a paragraph numbered as a clause of the current section:
        "2. We ..." or "3.2 We ..." in section 3; None for the preamble and other paragraphs."""
        letter = self.sections[-1].letter
        if letter == "P":
            return None
        if match := _NUMBERED.match(paragraph):
            return int(match.group(1)), f"{match.group(1)}. ", match.group(2)
        sub = _SUBNUMBERED.match(paragraph)
        if sub and sub.group(1).upper() == letter.upper():
            return int(sub.group(2)), f"{letter}.{sub.group(2)} ", sub.group(3)
        return None

    def add_clause(self, paragraph: str) -> None:
        section = self.sections[-1]
        numbered = self._numbered(paragraph)
        clause_id = f"{section.letter}.{numbered[0]}" if numbered else ""
        if numbered is None or clause_id in self._ids:  # a second list numbered from 1 stays plain paragraphs
            self._paragraphs += 1
            number, prefix, body = None, "", paragraph
            clause_id = f"{section.letter}.p{self._paragraphs}"
        else:
            number, prefix, body = numbered
        self._ids.add(clause_id)
        start = len(self.text) + len(prefix)
        self.text += prefix + body + "\n\n"
        self.clauses.append(Clause(clause_id, section.letter, section.title, number, body, start, start + len(body)))


def _lone_top_level(blocks: list[Block]) -> int:
    """The HTML or Markdown level of the document's title when one heading stands above all others
    (one `<h1>` over `<h2>` sections, even after a cookie notice), else 0."""
    levels = sorted(b.level for b in blocks if b.level and heading_of(b) is not None)
    return levels[0] if len(levels) > 1 and levels[0] != levels[1] else 0


def _trimmed(blocks: list[Block]) -> tuple[list[Block], str | None]:
    """Blocks without chrome and without the link-like blocks around the prose; the
    "updated" date if a block before the prose states one."""
    blocks = [b for b in blocks if not is_chrome(b)]
    content = [i for i, b in enumerate(blocks) if is_content(b)]
    if not content:
        return [], None
    first, last = content[0], content[-1]
    # A list after a last lead-in of prose ("... We collect:" / "Name" / "Email") belongs to it, not
    # to the footer; after a short one ("Follow us:" / "Twitter") it is a footer.
    if is_sentence(blocks[last]) and blocks[last].text.endswith(":"):
        while last + 1 < len(blocks) and blocks[last + 1].item:
            last += 1
    # A last section whose only text is short ("## Article V - Contact", "DPO: dpo@x.example") is kept
    # when its heading is numbered or the text gives an email address, unlike a trailing menu.
    while last + 2 < len(blocks):
        heading, after = heading_of(blocks[last + 1]), blocks[last + 2]
        if heading is None or heading_of(after) is not None or after.item:
            break
        if heading[0] is None and "@" not in after.text:
            break
        last += 2
    updated = None
    for block in blocks[:first]:
        dated = _UPDATED.match(block.text)
        if dated and updated is None and not block.level:
            updated = dated.group(1)
    kept = [b for i, b in enumerate(blocks) if first <= i <= last or (i < first and heading_of(b) is not None)]
    return kept, updated


def parse_blocks(blocks: list[Block], *, title: str = "Privacy Policy") -> Policy:
    """Build the policy from a reader's blocks (see the module docstring)."""
    kept, updated = _trimmed(blocks)
    kept = merge_short_items(nest_items(kept))
    builder = _Builder(_lone_top_level(kept))
    for position, block in enumerate(kept):
        heading = heading_of(block)
        if heading is not None and not builder.clauses and updated is None and (dated := _UPDATED.match(block.text)):
            updated = dated.group(1)  # "Last Updated: April 1st 2026" in bold is a date, not a section
            continue
        if heading is None:
            dated = _UPDATED.match(block.text) if len(block.lines) == 1 else None
            if dated and not builder.clauses and updated is None:
                updated = dated.group(1)
                continue
            for paragraph in group_lines(block.lines):
                builder.add_clause(paragraph)
        elif heading[0] is None and not builder.clauses and len(builder.sections) == 1 and position == 0:
            title = without_site_name(heading[1]).rstrip(".")  # the document's own title: "Privacy policy."
        else:
            builder.start_section(_Heading(block.level, *heading))
    if not builder.clauses:
        if not any(block.text.strip() for block in blocks):
            raise PolicyError("no policy text found: the file holds no text; choose the file with the policy in it")
        raise PolicyError("no policy text found: the file has no paragraphs outside navigation")
    sections = tuple(s for s in builder.sections if any(c.section == s.letter for c in builder.clauses))
    return Policy(title, updated, sections, tuple(builder.clauses), builder.text.rstrip("\n") + "\n")
