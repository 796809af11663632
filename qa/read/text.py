"""Plain text -> `Block`s: paragraphs between blank lines; a short single line with no final
stop is a heading; a line opening with a bullet or "2." starts a list item.

Crawled text often keeps some of the page's tags ("<p>", "<li>", "<b>"): such text is read by
the HTML reader instead, each line of text outside the tags a paragraph of its own (a short one a
heading), so no tag ever reaches a clause. "[top]" marks left by "back to top" links are dropped.
"""

from __future__ import annotations

import re

from qa.read.blocks import BULLET, BULLET_MARK, Block, clean_line, looks_like_heading
from qa.read.html import read_html_fragment
from qa.read.tags import Tag, scan

_ITEM = re.compile(rf"^\s*(?:{BULLET_MARK}|\d{{1,2}}[.)])\s+")
_RULE_MARKS = "-*_="
# The tags whose presence makes a text file crawled HTML rather than plain text.
HTML_TAGS = frozenset(
    [
        "a",
        "abbr",
        "address",
        "article",
        "aside",
        "b",
        "blockquote",
        "br",
        "caption",
        "code",
        "dd",
        "del",
        "div",
        "dl",
        "dt",
        "em",
        "figure",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "i",
        "img",
        "ins",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "small",
        "span",
        "strong",
        "sub",
        "sup",
        "table",
        "tbody",
        "td",
        "th",
        "thead",
        "tr",
        "u",
        "ul",
    ]  # noqa: SIM905
)


def has_tags(text: str) -> bool:
    """Whether `text` holds HTML tags (crawled text), not just a "<" or an address in angle brackets.

    >>> has_tags("Write to <privacy@example.com>."), has_tags("We collect:<ul><li>Name</li></ul>")
    (False, True)
    """
    return "<" in text and any(isinstance(item, Tag) and item.name in HTML_TAGS for item in scan(text))


def is_rule(line: str) -> bool:
    """A line drawn across the page: three or more of one of "-*_=" and spaces.

    >>> is_rule(" - - -"), is_rule("==="), is_rule("-- x")
    (True, True, False)
    """
    marks = line.replace(" ", "").replace("\t", "")
    return len(marks) >= 3 and marks[0] in _RULE_MARKS and marks == marks[0] * len(marks)


def _paragraphs(text: str) -> list[list[str]]:
    """Runs of non-blank lines; a list item starts a new run; rules (`---`) are dropped."""
    runs: list[list[str]] = []
    current: list[str] = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if not line.strip() or (is_rule(line) and not current):
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


def read_plain_text(text: str) -> list[Block]:
    """Blocks of a plain-text document, in order (see the module docstring)."""
    if has_tags(text):
        return read_html_fragment(text, lines=True)
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
