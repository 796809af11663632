"""Web page -> `Block`s: paragraphs, list items and headings, navigation skipped.

Text inside `<p>`, `<li>`, `<h1>`..`<h6>`, `<dd>`, `<dt>`, `<td>`, `<blockquote>`
becomes blocks; `<br>` splits lines; `<nav>`, `<header>`, `<footer>`, `<aside>`,
scripts and forms are skipped whole, and so are elements whose class or role
marks them as chrome (cookie banners, tables of contents, share buttons, skip
links, breadcrumbs, menus, footers); bare text between elements (menus of
scraped pages) is ignored, and so are blocks that are only in-page links
("Back to top"). An element with `role="heading"` is a heading of its
`aria-level`; permalink marks ("#", "¶") around a heading are dropped. `<ol>`
items keep their number ("2. ..."); a table row is one block whose cells are
labelled by the header row ("Category: Payment data; Retention: 10 years");
a `<dt>` term is joined to its `<dd>` ("Device: A hub ..."). A page that keeps
its text in `<div>`s only is read again with `<div>` as a block. Scraped damage
is repaired first: `;` that became `.` plus a line break turns `&amp;` into `&amp.`.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from qa.read.blocks import Block, clean_line

_MANGLED_ENTITY = re.compile(r"&(amp|lt|gt|quot|apos|nbsp|#\d+|#x[0-9a-fA-F]+)\.(?=\s)")
_BLOCKS = {"p", "li", "dd", "dt", "td", "th", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6"}
_SKIPPED = {"nav", "header", "footer", "aside", "script", "style", "noscript", "form", "select", "button",
            "svg", "iframe", "template", "head"}  # fmt: skip
_CHROME_ROLES = {"navigation", "banner", "contentinfo", "dialog", "alertdialog", "search"}
# A cookie banner's class or id; one class name of other furniture: "toc", "share-buttons", "skip-link".
_BANNER = re.compile(
    r"(?:cookie|consent|gdpr)[-_]?(?:banner|bar|notice|popup|modal|dialog|overlay|wall|consent)|onetrust|cookiebot",
    re.I,
)
_CHROME_CLASS = re.compile(
    r"^(?:toc|table[-_]?of[-_]?contents|breadcrumbs?|skip(?:[-_]?(?:link|to[-_]?content))?|share|sharing|social"
    r"|menu|navbar|site[-_]?footer|footer(?:[-_]\w+)?)(?:[-_](?:buttons|links|bar|icons|list|nav))?$",
    re.I,
)
PERMALINK = re.compile(r"^(?:[#¶🔗]\s*)+|(?:\s*[#¶🔗])+$")
_OWN_NUMBER = re.compile(r"^\(?(?:\d{1,2}|[A-Za-z]|[ivxlc]{1,6})(?:\.\d{1,2})*[.)]\s")


def _is_chrome_element(tag: str, attrs: dict[str, str | None]) -> bool:
    if (attrs.get("role") or "").lower() in _CHROME_ROLES or attrs.get("aria-hidden") == "true":
        return True
    if _BANNER.search(attrs.get("id") or ""):
        return True
    return any(_BANNER.search(name) or _CHROME_CLASS.match(name) for name in (attrs.get("class") or "").split())


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
        self._hidden: list = []  # [tag, nesting] of a chrome element (by class or role) being skipped
        self._heading: list = []  # [tag, nesting] of a role="heading" element being read
        self._lists: list[int | None] = []  # per open list: the next <ol> number, None for <ul>
        self._number: int | None = None  # the current <li>'s <ol> number
        self._link_depth = 0  # inside <a href="#...">
        self._outside_link = False  # the current block has text outside in-page links
        self._tables: list[dict] = []  # per open table: header cells and the current row's cells
        self._term: Block | None = None  # a <dt> waiting for its <dd>

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if self._hidden:
            self._hidden[1] += tag == self._hidden[0]
            return
        if self._heading and tag == self._heading[0]:
            self._heading[1] += 1
        if tag in _SKIPPED:
            self._skip_depth += 1
        elif self._skip_depth:
            return
        elif _is_chrome_element(tag, attributes):
            self._hidden = [tag, 1]
        elif (attributes.get("role") or "").lower() == "heading" and not self._heading:
            self._close()
            level = attributes.get("aria-level") or "2"
            self._open(f"h{min(6, max(1, int(level)))}" if level.isdigit() else "h2")
            self._heading = [tag, 1]
        elif self._heading:
            if tag == "br":
                self._lines.append("")  # type: ignore[union-attr]
            elif tag in ("strong", "b"):
                self._bold_depth += 1
        elif tag in self._block_tags or tag in ("ul", "ol", "table", "tr"):
            self._close()
            if tag in ("ul", "ol"):
                start = attributes.get("start") or "1"
                numeric = tag == "ol" and (attributes.get("type") or "1") == "1" and start.isdigit()
                self._lists.append(int(start) if numeric else None)
            elif tag == "table":
                self._tables.append({"header": None, "row": []})
            elif tag == "tr":
                self._flush_row()
            else:
                if tag not in ("td", "th"):
                    self._flush_row()
                self._open(tag)
                if tag == "li" and self._lists and self._lists[-1] is not None:
                    self._number = self._lists[-1]
                    self._lists[-1] += 1
        elif tag == "br" and self._lines is not None:
            self._lines.append("")
        elif tag in ("strong", "b"):
            self._bold_depth += 1
        elif tag == "a" and (attributes.get("href") or "").startswith("#"):
            self._link_depth += 1

    def handle_endtag(self, tag: str) -> None:
        if self._hidden:
            self._hidden[1] -= tag == self._hidden[0]
            if not self._hidden[1]:
                self._hidden = []
        elif tag in _SKIPPED:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif self._heading and tag == self._heading[0]:
            self._heading[1] -= 1
            if not self._heading[1]:
                self._close()
                self._heading = []
        elif self._heading:
            if tag in ("strong", "b"):
                self._bold_depth = max(0, self._bold_depth - 1)
        elif tag in self._block_tags:
            self._close()
        elif tag in ("strong", "b"):
            self._bold_depth = max(0, self._bold_depth - 1)
        elif tag == "a":
            self._link_depth = max(0, self._link_depth - 1)
        elif tag in ("ul", "ol") and self._lists:
            self._close()
            self._lists.pop()
        elif tag == "tr":
            self._close()
            self._flush_row()
        elif tag == "table" and self._tables:
            self._close()
            self._flush_row()
            self._tables.pop()

    def handle_data(self, data: str) -> None:
        if self._lines is None or self._skip_depth or self._hidden:
            return
        if data.strip() and not self._bold_depth:
            self._plain_text = True
        if data.strip() and not self._link_depth:
            self._outside_link = True
        self._lines[-1] += data

    def _open(self, tag: str) -> None:
        self._lines, self._tag, self._plain_text, self._outside_link = [""], tag, False, False
        self._number = None

    def _emit(self, block: Block) -> None:
        if self._term is not None:
            term, self._term = self._term, None
            if block.lines and not block.level and not block.item and self._tag == "dd":
                block = Block((f"{term.text}: {block.lines[0]}", *block.lines[1:]))
            else:
                self.blocks.append(term)
        self.blocks.append(block)

    def _close(self) -> None:
        if self._lines is not None:
            lines = [line for line in (clean_line(raw) for raw in self._lines) if line]
            level = int(self._tag[1]) if re.fullmatch(r"h[1-6]", self._tag) else 0
            if level:
                lines = [text for text in (PERMALINK.sub("", line) for line in lines) if text]
            if self._number is not None and lines and not _OWN_NUMBER.match(lines[0]):
                lines[0] = f"{self._number}. {lines[0]}"
            if lines and (self._outside_link or level):  # a block of in-page links only is navigation
                item = self._tag == "li"
                depth = max(0, len(self._lists) - 1) if item else 0
                block = Block(tuple(lines), bold=not self._plain_text, level=level, item=item, depth=depth)
                if self._tag in ("td", "th") and self._tables:
                    self._tables[-1]["row"].append((self._tag, block.text))
                elif self._tag == "dt":
                    if self._term is not None:
                        self.blocks.append(self._term)
                    self._term = block
                else:
                    self._emit(block)
        self._lines = None
        self._number = None

    def _flush_row(self) -> None:
        """The pending table row as one block: cells labelled by the header row when there is one."""
        if not self._tables or not self._tables[-1]["row"]:
            return
        table = self._tables[-1]
        row, table["row"] = table["row"], []
        cells = [text for _, text in row]
        if all(tag == "th" for tag, _ in row) and table["header"] is None and len(cells) > 1:
            table["header"] = cells
            return
        header = table["header"]
        if header and len(header) == len(cells):
            text = "; ".join(f"{label}: {cell}" for label, cell in zip(header, cells, strict=True) if cell)
        else:
            text = "; ".join(cell for cell in cells if cell)
        self._emit(Block((text,)))

    def close(self) -> None:
        super().close()
        self._close()
        self._flush_row()
        if self._term is not None:
            self.blocks.append(self._term)


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
