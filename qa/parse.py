"""Policy HTML -> `Policy`: sections, clauses and their spans; site chrome dropped.

The scraped page wraps the policy in navigation and a footer and damages its
text: `;` became `.` plus a line break (so `&amp;` reads `&amp.` and `No. 699`
is broken across lines), clause numbers sit on their own line, and section D
keeps its address as `<br>` lines. Only text inside `<p>` elements is policy
text; blocks that look like link lists or copyright lines are chrome.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from qa.errors import PolicyError
from qa.types import Clause, Policy, Section

_MANGLED_ENTITY = re.compile(r"&(amp|lt|gt|quot|apos|nbsp|#\d+|#x[0-9a-fA-F]+)\.(?=\s)")
_SECTION_HEADING = re.compile(r"^([A-Z])\.\s+(\S.*)$")
_NUMBERED = re.compile(r"^(\d{1,2})\.\s+(\S.*)$", re.DOTALL)
_UPDATED = re.compile(r"^\(?\s*(?:last\s+)?updated(?:\s+as\s+of|\s+on)?\s+(.+?)\s*\)?$", re.I)
# A list item the scraper ended with "." although "; and" followed.
_BROKEN_CONJUNCTION = re.compile(r"\.\n(and|or)\b")
_SEPARATORS = re.compile(r"\s[|\-·•]\s")
_SMALL_WORDS = {"a", "an", "and", "as", "at", "by", "for", "in", "of", "on", "or", "the", "to"}


@dataclass(frozen=True)
class Block:
    """One `<p>` of the page: its lines (split at `<br>`) and whether it is all bold."""

    lines: tuple[str, ...]
    bold: bool


class _BlockParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self._lines: list[str] | None = None
        self._bold_depth = 0
        self._plain_text = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "p":
            self._close()
            self._lines, self._plain_text = [""], False
        elif tag == "br" and self._lines is not None:
            self._lines.append("")
        elif tag in ("strong", "b"):
            self._bold_depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "p":
            self._close()
        elif tag in ("strong", "b"):
            self._bold_depth = max(0, self._bold_depth - 1)

    def handle_data(self, data: str) -> None:
        if self._lines is None:
            return
        if data.strip() and not self._bold_depth:
            self._plain_text = True
        self._lines[-1] += data

    def _close(self) -> None:
        if self._lines is not None:
            lines = tuple(line for line in (_clean(raw) for raw in self._lines) if line)
            if lines:
                self.blocks.append(Block(lines, bold=not self._plain_text))
        self._lines = None

    def close(self) -> None:
        super().close()
        self._close()


def _clean(raw: str) -> str:
    """Repair one scraped line: "ID").\\nand" -> "ID"); and", whitespace folded."""
    text = raw.replace("\u00a0", " ")
    text = _BROKEN_CONJUNCTION.sub(r"; \1", text)
    return re.sub(r"\s+", " ", text).strip()


def read_blocks(html: str) -> list[Block]:
    """The `<p>` blocks of a page, in order, with mangled entities repaired."""
    parser = _BlockParser()
    parser.feed(_MANGLED_ENTITY.sub(r"&\1;", html))
    parser.close()
    return parser.blocks


def is_chrome(block: Block) -> bool:
    """True for site furniture: link lists ("A | B | C"), copyright lines."""
    text = " ".join(block.lines)
    if "©" in text or re.search(r"all rights reserved", text, re.I):
        return True
    return len(_SEPARATORS.findall(text)) >= 3


def title_case(heading: str) -> str:
    """'RIGHT TO ACCESS/CORRECT PERSONAL DATA' -> 'Right to Access/Correct Personal Data'."""
    words = heading.lower().split(" ")
    out = []
    for i, word in enumerate(words):
        parts = word.split("/")
        out.append("/".join(p if (i and p in _SMALL_WORDS) else p[:1].upper() + p[1:] for p in parts))
    return " ".join(out)


def group_lines(lines: tuple[str, ...]) -> list[str]:
    """Join `<br>` lines into paragraphs: a line ending in ":" takes the address lines after it.

    Lines after a colon are absorbed while the previous absorbed line has no
    final punctuation: ("Write to:", "Legal Dept", "1 Street, HK.", "Next.")
    -> ["Write to:\\nLegal Dept\\n1 Street, HK.", "Next."].
    """
    groups: list[list[str]] = []
    absorbing = False
    for line in lines:
        if groups and absorbing:
            groups[-1].append(line)
            absorbing = not line.endswith((".", "!", "?"))
        else:
            groups.append([line])
            absorbing = line.endswith(":")
    return ["\n".join(group) for group in groups]


class _Builder:
    """Accumulates the cleaned policy text and the clauses with their spans."""

    def __init__(self) -> None:
        self.text = ""
        self.sections: list[Section] = [Section("P", "Preamble")]
        self.clauses: list[Clause] = []
        self._paragraphs = 0

    @property
    def section(self) -> Section:
        return self.sections[-1]

    def start_section(self, letter: str, title: str) -> None:
        self.sections.append(Section(letter, title))
        self._paragraphs = 0
        self.text += f"{letter}. {title}\n\n"

    def add_clause(self, paragraph: str) -> None:
        section = self.section
        match = _NUMBERED.match(paragraph) if section.letter != "P" else None
        if match:
            number: int | None = int(match.group(1))
            clause_id, prefix, body = f"{section.letter}.{number}", f"{number}. ", match.group(2)
        else:
            self._paragraphs += 1
            number, prefix, body = None, "", paragraph
            clause_id = f"{section.letter}.p{self._paragraphs}"
        if any(c.id == clause_id for c in self.clauses):
            raise PolicyError(f"clause {clause_id} appears twice; check the policy's numbering")
        start = len(self.text) + len(prefix)
        self.text += prefix + body + "\n\n"
        self.clauses.append(Clause(clause_id, section.letter, section.title, number, body, start, start + len(body)))


def parse_policy(html: str, *, title: str = "Privacy Policy") -> Policy:
    """Parse the scraped policy page into sections and clauses in document order."""
    builder = _Builder()
    updated: str | None = None
    for block in read_blocks(html):
        if is_chrome(block):
            continue
        heading = _SECTION_HEADING.match(" ".join(block.lines)) if block.bold else None
        if heading:
            builder.start_section(heading.group(1), title_case(heading.group(2)))
            continue
        dated = _UPDATED.match(block.lines[0]) if len(block.lines) == 1 else None
        if dated and not builder.clauses and updated is None:
            updated = dated.group(1)
            continue
        for paragraph in group_lines(block.lines):
            builder.add_clause(paragraph)
    if not builder.clauses:
        raise PolicyError("no policy text found: the file has no <p> paragraphs outside navigation")
    sections = tuple(s for s in builder.sections if any(c.section == s.letter for c in builder.clauses))
    return Policy(title, updated, sections, tuple(builder.clauses), builder.text.rstrip("\n") + "\n")


def load_policy(path: Path) -> Policy:
    """Read and parse a policy file; a missing file is a `PolicyError`."""
    try:
        html = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PolicyError(f"policy file {path} not found; set POLICYQA_POLICY_PATH to an existing file") from None
    return parse_policy(html)


def policy_from_segments(title: str, segments: list[str]) -> Policy:
    """A policy given as ready-made segments (as in PolicyQA): one clause per segment.

    All clauses sit in one untitled section "S" (a title shared by every segment
    would only shift every embedding alike); segment i becomes clause
    "S.p{i+1}", its text kept verbatim at its span in `Policy.text`, where the
    segments are joined by blank lines: ["A.", "B."] -> text "A.\\n\\nB.\\n",
    clauses S.p1 (0, 2) and S.p2 (4, 6).
    """
    if not segments:
        raise PolicyError(f"policy {title!r} has no segments; give at least one")
    section = Section("S", "")
    clauses: list[Clause] = []
    text = ""
    for i, segment in enumerate(segments, 1):
        if not segment.strip():
            raise PolicyError(f"segment {i} of policy {title!r} is empty; drop it or fill it in")
        start = len(text)
        clauses.append(Clause(f"S.p{i}", "S", "", None, segment, start, start + len(segment)))
        text += segment + "\n\n"
    # subtle: no rstrip, so a segment ending in newlines keeps its span inside the text.
    return Policy(title, None, (section,), tuple(clauses), text[:-1])
