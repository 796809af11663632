"""Markdown -> `Block`s, through a CommonMark parser (markdown-it-py) and the HTML reader.

markdown-it reads the document by the CommonMark spec, with GitHub's pipe tables, definition
lists, footnotes and YAML front matter; the HTML it renders is read by `qa.read.html`, so a
Markdown heading, list, table row or raw `<table>` becomes the same block as in a web page: link
text kept and URLs left out, a table row labelled by its header row, `<br>` lines kept together.
Front matter is dropped (`front_matter_title` gives its `title`); kramdown attribute lists
(`{: #relay }`, `{#id}`) and the closing "##" of a heading written `## Title ## {#id}` are
dropped; footnote marks and back-links are dropped, the footnotes' text kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from qa.read.blocks import Block
from qa.read.html import read_html_fragment

# An attribute list is short; looking no further for its "}" keeps the scan linear.
_MAX_ATTRIBUTES = 200


@lru_cache(maxsize=1)
def markdown_parser() -> MarkdownIt:
    """CommonMark with raw HTML, pipe tables, strikethrough, definition lists, footnotes and front matter."""
    parser = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    parser.use(front_matter_plugin).use(deflist_plugin).use(footnote_plugin)
    for rule in ("footnote_ref", "footnote_anchor", "footnote_block_open", "footnote_block_close"):
        parser.add_render_rule(rule, _nothing)
    return parser


def _nothing(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    """A render rule that writes nothing (footnote marks "[1]", back-links "↩", the footnotes' rule)."""
    return ""


@dataclass(frozen=True)
class MarkdownText:
    """What a Markdown file gives: its blocks, and the title its front matter states (None if none)."""

    blocks: list[Block]
    title: str | None


def read_markdown(text: str) -> MarkdownText:
    """The blocks of a Markdown document, in order, and its front matter's title (see the module docstring)."""
    parser = markdown_parser()
    env: dict[str, Any] = {}
    tokens = parser.parse(text, env)
    for before, token in zip([None, *tokens], tokens, strict=False):
        if token.type == "inline":
            for child in token.children or ():
                if child.type == "text" and "{" in child.content:
                    child.content = without_attributes(child.content)
            if before is not None and before.type == "heading_open":
                _drop_closing_hashes(token)
    title = front_matter_title(tokens[0]) if tokens else None
    return MarkdownText(read_html_fragment(parser.renderer.render(tokens, parser.options, env)), title)


def _drop_closing_hashes(inline: Token) -> None:
    """A heading's closing "##" left before an attribute list: "Title ## " -> "Title"."""
    children = inline.children or []
    if children and children[-1].type == "text":
        last = children[-1].content.rstrip()
        stripped = last.rstrip("#")
        if stripped != last and (not stripped or stripped.endswith((" ", "\t"))):
            last = stripped.rstrip()
        children[-1].content = last


def without_attributes(text: str) -> str:
    """`text` without kramdown or Pandoc attribute lists: "{: #id .class}", "{#id}", "{.class}".

    >>> without_attributes("Title ## {#authority}"), without_attributes("a {: #relay } b"), without_attributes("{x}")
    ('Title ## ', 'a  b', '{x}')
    """
    out: list[str] = []
    i = 0
    while (start := text.find("{", i)) >= 0:
        end = text.find("}", start, start + _MAX_ATTRIBUTES)
        if end < 0 or text[start + 1 : start + 2] not in (":", "#", ".") or "{" in text[start + 1 : end]:
            out.append(text[i : start + 1])
            i = start + 1
            continue
        out.append(text[i:start])
        i = end + 1
    out.append(text[i:])
    return "".join(out)


def front_matter_title(token: Token) -> str | None:
    """The `title` a document's YAML front matter (its first token) gives, if any.

    >>> front_matter_title(markdown_parser().parse('---\\nlayout: page\\ntitle: "Website Privacy"\\n---\\n# Hi')[0])
    'Website Privacy'
    """
    if token.type != "front_matter":
        return None
    for line in token.content.split("\n"):
        key, _, value = line.partition(":")
        if key.strip() == "title" and value.strip():
            return value.strip().strip("\"'").strip() or None
    return None
