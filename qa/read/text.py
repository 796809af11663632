"""Markdown or plain text -> `Block`s.

Markdown: `#` headings (and underlined ones), a line that is all `**bold**`,
list items (`-`, `*`, `+`, `1.`), paragraphs between blank lines; links and
emphasis markers are dropped, the words kept; list items that are only an
in-page link (a table of contents) are dropped. Plain text: paragraphs between
blank lines; a short single line with no final stop is a heading.
"""

from __future__ import annotations

import re

from qa.read.blocks import BULLET, BULLET_MARK, Block, clean_line

_ATX = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_SETEXT = re.compile(r"^(=+|-+)\s*$")
_ITEM = re.compile(rf"^\s*(?:{BULLET_MARK}|\d{{1,2}}[.)])\s+")
_BOLD_LINE = re.compile(r"^(?:\*\*|__)(.+?)(?:\*\*|__)\s*:?\s*$")
_TOC_ITEM = re.compile(rf"^\s*(?:{BULLET_MARK}|\d{{1,2}}[.)])\s+\[[^\]]*\]\(#[^)]*\)\s*$")  # "- [Cookies](#cookies)"
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|`|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])|(?<!\w)_(?=\S)|(?<=\S)_(?!\w))")
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_RULE = re.compile(r"^\s*([-*_=])(\s*\1){2,}\s*$")
_HEADING_WORDS = 12


def _inline(text: str) -> str:
    """'See [our **terms**](http://x)' -> 'See our terms'."""
    return clean_line(_EMPHASIS.sub("", _LINK.sub(r"\1", text)))


def _paragraphs(text: str) -> list[list[str]]:
    """Runs of non-blank lines; a list item starts a new run; rules (`---`) are dropped."""
    runs: list[list[str]] = []
    current: list[str] = []
    for line in _COMMENT.sub("", text).replace("\r\n", "\n").split("\n"):
        if not line.strip() or (_RULE.match(line) and not current):
            if current:
                runs.append(current)
            current = []
            continue
        if _ITEM.match(line) and current:
            runs.append(current)
            current = []
        current.append(line)
    if current:
        runs.append(current)
    return runs


def _indent(line: str) -> int:
    """The columns of a line's leading whitespace, a tab as 4.

    >>> _indent("  - a"), _indent("\\t- a"), _indent("- a")
    (2, 4, 0)
    """
    leading = line[: len(line) - len(line.lstrip())]
    return len(leading) + 3 * leading.count("\t")


def read_markdown(text: str) -> list[Block]:
    """Blocks of a Markdown document, in order; an item indented under another is nested (`Block.depth`)."""
    blocks: list[Block] = []
    indents: list[int] = []  # the indentation of each open list level, outermost first
    for run in _paragraphs(text):
        first = run[0]
        item = _ITEM.match(first) is not None
        if not item:
            indents = []
        atx = _ATX.match(first)
        if atx and len(run) == 1:
            blocks.append(Block((_inline(atx.group(2)),), level=len(atx.group(1))))
        elif len(run) == 2 and _SETEXT.match(run[1]):
            blocks.append(Block((_inline(first),), level=1 if run[1].strip()[0] == "=" else 2))
        elif len(run) == 1 and _BOLD_LINE.match(first.strip()):
            blocks.append(Block((_inline(first),), bold=True))
        elif len(run) == 1 and _TOC_ITEM.match(first):
            continue  # a table of contents: in-page links only
        elif item:
            indent = _indent(first)
            while indents and indents[-1] > indent:
                indents.pop()
            if not indents or indents[-1] < indent:
                indents.append(indent)
            body = BULLET.sub("", first) if BULLET.match(first) else first.strip()
            blocks.append(Block((_inline(" ".join([body, *run[1:]])),), item=True, depth=len(indents) - 1))
        else:
            blocks.append(Block((_inline(" ".join(run)),)))
    return [b for b in blocks if b.lines[0]]


def looks_like_heading(line: str) -> bool:
    """A short single line without a final stop: 'HOW WE USE DATA', '3. Sharing'."""
    words = line.split()
    return 0 < len(words) <= _HEADING_WORDS and not line.rstrip().endswith((".", ",", ";", ":", "?", "!"))


def read_plain_text(text: str) -> list[Block]:
    """Blocks of a plain-text document, in order."""
    blocks = []
    for run in _paragraphs(text):
        line = clean_line(" ".join(run))
        if not line:
            continue
        if BULLET.match(run[0]):
            blocks.append(Block((clean_line(BULLET.sub("", line)),), item=True))
        elif len(run) == 1 and looks_like_heading(line):
            blocks.append(Block((line,), level=2))
        else:
            blocks.append(Block((line,), item=bool(_ITEM.match(run[0]))))
    return blocks
