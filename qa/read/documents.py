"""Policy files -> `Policy`: the format from the file, the reader for the format, then the structure.

load_policy(Path("policies/alibaba-2015.html"))      HTML, Markdown, plain text or PDF
policy_from_segments("sci-news.com", [...])         ready-made segments, one clause each (PolicyQA)
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from qa.errors import PolicyError
from qa.read.html import read_html
from qa.read.markdown import read_markdown
from qa.read.pdf import read_pdf
from qa.read.structure import parse_blocks
from qa.read.text import read_plain_text
from qa.types import Clause, Policy, Section

# The policy files accepted, as people are told: the suffixes below, spelt as most people write them.
FILE_TYPES = ".html, .md, .txt or .pdf"
SUFFIXES = {".html": "html", ".htm": "html", ".md": "markdown", ".markdown": "markdown", ".txt": "text", ".pdf": "pdf"}


def parse_policy(html: str, *, title: str = "Privacy Policy") -> Policy:
    """Parse a policy web page."""
    return parse_blocks(read_html(html), title=title)


def detect_format(path: Path, text: str) -> str:
    """The format of a text file ("html", "markdown" or "text"), from its suffix, else from its content
    (a PDF is known by `parse_file_bytes` from its bytes)."""
    if path.suffix.lower() in SUFFIXES:
        return SUFFIXES[path.suffix.lower()]
    if re.search(r"<(p|div|h[1-6]|html|body)\b", text, re.I):
        return "html"
    return "markdown" if re.search(r"^#{1,6}\s", text, re.M) else "text"


def parse_document(text: str, kind: str, *, title: str = "Privacy Policy") -> Policy:
    """Parse `text` of format `kind` ("html", "markdown" or "text")."""
    readers = {"html": read_html, "text": read_plain_text}
    if kind not in (*readers, "markdown"):
        raise PolicyError(f"unknown policy format {kind!r}; use one of: html, markdown, text")
    text = text.removeprefix("\ufeff")  # a byte order mark hid "# Title"
    if kind == "markdown":
        markdown = read_markdown(text)  # its front matter may name the policy
        return parse_blocks(markdown.blocks, title=markdown.title or title)
    return parse_blocks(readers[kind](text), title=title)


def load_policy(path: Path) -> Policy:
    """Read and parse a policy file (HTML, Markdown, plain text or PDF); problems are a `PolicyError`."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise PolicyError(f"policy file {path} not found; set POLICYQA_POLICY_PATH to an existing file") from None
    return parse_file_bytes(path, data)


def parse_file_bytes(path: Path, data: bytes) -> Policy:
    """Parse `data`, the bytes read from policy file `path` (whose name or content gives the format)."""
    if path.suffix.lower() == ".pdf" or data.startswith(b"%PDF-"):
        pdf = read_pdf(data, path.name)
        return parse_blocks(pdf.blocks, title=pdf.title or "Privacy Policy")
    try:
        # subtle: decoded as `path.read_text` would, newlines ("\r\n", "\r") included, so the spans are the same.
        text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8").read()
    except UnicodeDecodeError:
        raise PolicyError(f"policy file {path} is not UTF-8 text; save it as UTF-8 and try again") from None
    return parse_document(text, detect_format(path, text))


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
