"""Web page -> `Block`s: paragraphs, list items and headings, navigation skipped.

Text inside `<p>`, `<li>`, `<h1>`..`<h6>`, `<dd>`, `<dt>`, `<td>`, `<blockquote>`
becomes blocks; `<br>` splits lines; `<nav>`, `<header>`, `<footer>`, `<aside>`,
scripts and forms are skipped whole; bare text between elements (menus of
scraped pages) is ignored. A page that keeps its text in `<div>`s only is read
again with `<div>` as a block. Scraped damage is repaired first: `;` that
became `.` plus a line break turns `&amp;` into `&amp.`.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from qa.blocks import Block, clean_line

_MANGLED_ENTITY = re.compile(r"&(amp|lt|gt|quot|apos|nbsp|#\d+|#x[0-9a-fA-F]+)\.(?=\s)")
_BLOCKS = {"p", "li", "dd", "dt", "td", "th", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6"}
_SKIPPED = {"nav", "header", "footer", "aside", "script", "style", "noscript", "form", "select", "button",
            "svg", "iframe", "template", "head"}  # fmt: skip


class _BlockParser(HTMLParser):
    def __init__(self, block_tags: set[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self._block_tags = block_tags
        self._lines: list[str] | None = None
        self._tag = ""
        self._bold_depth = 0
        self._skip_depth = 0
        self._plain_text = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self._skip_depth += 1
        elif self._skip_depth:
            return
        elif tag in self._block_tags or tag in ("ul", "ol", "table"):
            self._close()
            if tag in self._block_tags:
                self._lines, self._tag, self._plain_text = [""], tag, False
        elif tag == "br" and self._lines is not None:
            self._lines.append("")
        elif tag in ("strong", "b"):
            self._bold_depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag in self._block_tags:
            self._close()
        elif tag in ("strong", "b"):
            self._bold_depth = max(0, self._bold_depth - 1)

    def handle_data(self, data: str) -> None:
        if self._lines is None or self._skip_depth:
            return
        if data.strip() and not self._bold_depth:
            self._plain_text = True
        self._lines[-1] += data

    def _close(self) -> None:
        if self._lines is not None:
            lines = tuple(line for line in (clean_line(raw) for raw in self._lines) if line)
            if lines:
                level = int(self._tag[1]) if re.fullmatch(r"h[1-6]", self._tag) else 0
                self.blocks.append(Block(lines, bold=not self._plain_text, level=level, item=self._tag == "li"))
        self._lines = None

    def close(self) -> None:
        super().close()
        self._close()


def _parse(html: str, block_tags: set[str]) -> list[Block]:
    parser = _BlockParser(block_tags)
    parser.feed(_MANGLED_ENTITY.sub(r"&\1;", html))
    parser.close()
    return parser.blocks


def read_html(html: str) -> list[Block]:
    """The blocks of a page in document order (see the module docstring)."""
    blocks = _parse(html, _BLOCKS)
    if sum(len(b.text.split()) for b in blocks if not b.level) < 20:
        blocks = _parse(html, _BLOCKS | {"div", "section", "article"})
    return blocks
