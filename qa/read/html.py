"""Web page -> `Block`s: paragraphs, list items and headings, navigation skipped.

A page that marks its main content (one `<main>`, `role="main"` or `<article>`) is read there only.
The markup is scanned by `qa.read.tags` in time linear in its length.

Text inside `<p>`, `<li>`, `<h1>`..`<h6>`, `<dd>`, `<dt>`, `<td>`, `<blockquote>`
becomes blocks; `<br>` splits lines; `<nav>`, `<header>`, `<footer>`, `<aside>`,
scripts and forms are skipped whole, and so are elements whose class or role
marks them as chrome (cookie banners, tables of contents, share buttons, skip
links, breadcrumbs, menus, footers); bare text between elements (menus of
scraped pages) is ignored, and so are blocks that are only in-page links
("Back to top"). An element with `role="heading"` is a heading of its
`aria-level`; permalink marks ("#", "¶") around a heading are dropped. `<ol>`
items keep their number ("2. ..."); a table row is one block whose cells are
labelled by the header row (`<th>` cells or a first row in bold), a cell's paragraphs kept in it;
a `<dt>` term is joined to its `<dd>` ("Device: A hub ..."). A page that keeps
its text in `<div>`s only is read again with `<div>` as a block. Scraped damage
is repaired first: `;` that became `.` plus a line break turns `&amp;` into `&amp.`.
"""

from __future__ import annotations

import re
from typing import Any

from qa.read.blocks import CLOSING_MARKS, SENTENCE_END, Block, clean_line, looks_like_heading, without_back_to_top
from qa.read.tags import Tag, scan

_MANGLED_ENTITY = re.compile(r"&(amp|lt|gt|quot|apos|nbsp|#\d+|#x[0-9a-fA-F]+)\.(?=\s)")
_BLOCKS = {"p", "li", "dd", "dt", "td", "th", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6"}
SKIPPED = frozenset({"nav", "header", "footer", "aside", "script", "style", "noscript", "form", "select", "button",
                     "svg", "iframe", "template", "head", "dialog"})  # fmt: skip
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
# The marks a page puts before or after a heading to link to it ("#", "¶").
PERMALINK_MARKS = "#¶🔗"
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
# Elements that end a paragraph of bare text (`_BlockParser(bare=True)`), and that break a table cell's lines.
_BREAKS = {"br", "p", "div", "section", "article", "main", "ul", "ol", "li", "dl", "dt", "dd", "hr", "blockquote",
           "pre", "table", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "header", "footer", "figure",
           "details", "summary", "address", "center"}  # fmt: skip
_OWN_NUMBER = re.compile(r"^\(?(?:\d{1,2}|[A-Za-z]|[ivxlc]{1,6})(?:\.\d{1,2})*[.)]\s")


def small_number(value: str | None, default: int) -> int:
    """An attribute's whole number, `default` when it is none: not ASCII digits, or over six of them.

    >>> small_number("3", 1), small_number("²", 1), small_number("9" * 5000, 1), small_number(None, 2)
    (3, 1, 1, 2)
    """
    text = (value or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 6 else default


def _is_chrome_element(tag: str, attrs: dict[str, str | None]) -> bool:
    if (attrs.get("role") or "").lower() in _CHROME_ROLES or attrs.get("aria-hidden") == "true":
        return True
    if _BANNER.search(attrs.get("id") or ""):
        return True
    return any(_BANNER.search(name) or _CHROME_CLASS.match(name) for name in (attrs.get("class") or "").split())


class _BlockParser:
    """Turns the tags and text of `qa.read.tags.scan` into blocks, one call per tag or text.

    `bare`: text outside any block element (in a `<div>`, or between tags of crawled text) is a
    paragraph of its own; else it is ignored, as the menus of a scraped page are. `lines`: each line
    of such text is a paragraph of its own, a short one a heading (crawled text with leftover tags)."""

    def __init__(
        self, block_tags: set[str], *, bare: bool = False, lines: bool = False, skipped: frozenset[str] = SKIPPED
    ) -> None:
        self.blocks: list[Block] = []
        self._block_tags = block_tags
        self._skipped = skipped
        self._bare = bare or lines
        self._bare_lines = lines
        self._lines: list[str] | None = None
        self._tag = ""
        self._bold_depth = 0
        self._skip_depth = 0
        self._plain_text = False
        self._hidden: list = []  # [tag, nesting] of a chrome element (by class or role) being skipped
        self._heading: list = []  # [tag, nesting] of a role="heading" element being read
        self._lists: list[int | None] = []  # per open list: the next <ol> number, None for <ul>
        self._in_item: list[bool] = []  # per open list: whether one of its <li> is open
        self._number: int | None = None  # the current <li>'s <ol> number
        self._link_depth = 0  # inside <a href="#...">
        self._outside_link = False  # the current block has text outside in-page links
        self._tables: list[dict] = []  # per open table: header cells, the current row's cells, an open cell
        self._term: Block | None = None  # a <dt> waiting for its <dd>
        self._implicit = False  # the open block is bare text (`bare`), not an element

    def feed(self, item: Tag | str) -> None:
        if isinstance(item, str):
            self.handle_data(item)
        elif item.end:
            self.handle_endtag(item.name)
        else:
            self.handle_starttag(item.name, item.attrs)

    def _in_cell(self) -> bool:
        return bool(self._tables) and self._tables[-1]["cell"]

    def handle_starttag(self, tag: str, attributes: dict[str, str | None]) -> None:
        if self._hidden:
            self._hidden[1] += tag == self._hidden[0]
            return
        if self._heading and tag == self._heading[0]:
            self._heading[1] += 1
        if tag in self._skipped:
            self._skip_depth += 1
        elif self._skip_depth:
            return
        elif _is_chrome_element(tag, attributes):
            self._hidden = [tag, 1]
        elif (attributes.get("role") or "").lower() == "heading" and not self._heading:
            self._close()
            self._open(f"h{min(6, max(1, small_number(attributes.get('aria-level'), 2)))}")
            self._heading = [tag, 1]
        elif self._heading:
            if tag == "br":
                self._lines.append("")  # type: ignore[union-attr]
            elif tag in ("strong", "b"):
                self._bold_depth += 1
        elif self._in_cell() and tag not in ("td", "th", "tr", "table"):
            self._inline_tag(tag, attributes, line_break=tag in _BREAKS)  # a cell's paragraphs stay in its row
        elif tag in self._block_tags or tag in ("ul", "ol", "table", "tr"):
            self._start_block(tag, attributes)
        else:
            if self._bare and tag in _BREAKS and tag != "br" and self._tag == "p" and self._implicit:
                self._close()
            self._inline_tag(tag, attributes, line_break=tag == "br")

    def _inline_tag(self, tag: str, attributes: dict[str, str | None], *, line_break: bool) -> None:
        if line_break and self._lines is not None:
            if self._lines[-1].strip():
                self._lines.append("")
        elif tag in ("strong", "b"):
            self._bold_depth += 1
        elif tag == "a" and "#" in (attributes.get("href") or ""):  # a link into a page: "#pp07", "/privacy#pp07"
            self._link_depth += 1

    def _start_block(self, tag: str, attributes: dict[str, str | None]) -> None:
        if tag == "p" and self._tag == "li" and self._lines is not None and not "".join(self._lines).strip():
            return  # the first paragraph of a list item is the item
        self._close()
        if tag in ("ul", "ol"):
            numeric = tag == "ol" and (attributes.get("type") or "1") == "1"
            self._lists.append(small_number(attributes.get("start"), 1) if numeric else None)
            self._in_item.append(False)
        elif tag == "table":
            self._tables.append({"header": None, "row": [], "cell": False})
        elif tag == "tr":
            self._flush_row()
        else:
            if tag not in ("td", "th"):
                self._flush_row()
            self._open(tag)
            if tag in ("td", "th") and self._tables:
                self._tables[-1]["cell"] = True
            if tag == "li" and self._in_item:
                self._in_item[-1] = True
            if tag == "li" and self._lists and self._lists[-1] is not None:
                self._number = self._lists[-1]
                self._lists[-1] += 1

    def handle_endtag(self, tag: str) -> None:
        if self._hidden:
            self._hidden[1] -= tag == self._hidden[0]
            if not self._hidden[1]:
                self._hidden = []
        elif tag in self._skipped:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif self._heading and tag == self._heading[0]:
            self._heading[1] -= 1
            if not self._heading[1]:
                self._close()
                self._heading = []
        elif self._heading:
            if tag in ("strong", "b"):
                self._bold_depth = max(0, self._bold_depth - 1)
        elif self._in_cell() and tag not in ("td", "th", "tr", "table"):
            self._end_inline(tag)
        elif tag in self._block_tags:
            self._close()
            if tag == "li" and self._in_item:
                self._in_item[-1] = False
            if tag in ("td", "th") and self._tables:
                self._tables[-1]["cell"] = False
        elif tag in ("ul", "ol") and self._lists:
            self._close()
            self._lists.pop()
            self._in_item.pop()
        elif tag == "tr":
            self._close()
            self._flush_row()
        elif tag == "table" and self._tables:
            self._close()
            self._flush_row()
            self._tables.pop()
        else:
            if self._bare and tag in _BREAKS and self._tag == "p" and self._implicit:
                self._close()
            self._end_inline(tag)

    def _end_inline(self, tag: str) -> None:
        if tag in ("strong", "b"):
            self._bold_depth = max(0, self._bold_depth - 1)
        elif tag == "a":
            self._link_depth = max(0, self._link_depth - 1)

    def handle_data(self, data: str) -> None:
        if self._skip_depth or self._hidden:
            return
        if self._bare_lines and "\n" in data and (self._lines is None or self._implicit):
            first, *rest = data.split("\n")
            self._add_text(first)
            for line in rest:
                if self._implicit:
                    self._close()
                self._add_text(line)
        else:
            self._add_text(data)

    def _add_text(self, data: str) -> None:
        if self._lines is None:
            if not data.strip():
                return
            if self._in_item and self._in_item[-1]:
                self._open("li")  # an item's text after its nested list or its first paragraph
            elif self._bare:
                self._open("p")
                self._implicit = True
            else:
                return
        if data.strip() and not self._bold_depth:
            self._plain_text = True
        if data.strip() and not self._link_depth:
            self._outside_link = True
        self._lines[-1] += data  # type: ignore[index]

    def _open(self, tag: str) -> None:
        self._lines, self._tag, self._plain_text, self._outside_link = [""], tag, False, False
        self._number = None
        self._implicit = False

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
            level = int(self._tag[1]) if self._tag in _HEADINGS else 0
            if self._implicit and self._bare_lines:
                lines = [text for text in (without_back_to_top(line) for line in lines) if text]
                level = 2 if len(lines) == 1 and looks_like_heading(lines[0]) else 0
            if level:
                lines = [text for text in (strip_permalinks(line) for line in lines) if text]
            if self._number is not None and lines and not _OWN_NUMBER.match(lines[0]):
                lines[0] = f"{self._number}. {lines[0]}"
            if self._tag in ("td", "th") and self._tables:  # an empty cell keeps its column
                heading = self._tag == "th" or (bool(lines) and not self._plain_text)
                self._tables[-1]["row"].append((heading, cell_text(tuple(lines))))  # an in-page link too
            elif lines and (self._outside_link or level):  # a block of in-page links only is navigation
                item = self._tag == "li"
                depth = max(0, len(self._lists) - 1) if item else 0
                block = Block(tuple(lines), bold=not self._plain_text, level=level, item=item, depth=depth)
                if self._tag == "dt":
                    if self._term is not None:
                        self.blocks.append(self._term)
                    self._term = block
                else:
                    self._emit(block)
        self._lines = None
        self._number = None

    def _flush_row(self) -> None:
        """The pending table row as one block: cells labelled by the header row when there is one.
        An empty cell is no cell: a row of one bold cell before the header is the table's caption."""
        if not self._tables or not self._tables[-1]["row"]:
            return
        table = self._tables[-1]
        row, table["row"] = table["row"], []
        cells = [text for _, text in row]
        if not any(cells):
            return
        if table["header"] is None and all(heading for heading, _ in row) and sum(map(bool, cells)) > 1:
            table["header"] = cells  # <th> cells, or a first row all in bold
            return
        self._emit(Block((labelled_row(table["header"] or [], cells),)))

    def close(self) -> None:
        self._close()
        self._flush_row()
        if self._term is not None:
            self.blocks.append(self._term)


def cell_text(lines: tuple[str, ...]) -> str:
    """A table cell's lines (its paragraphs or list items) as one text: "; " after a line that does not
    end a sentence.

    >>> cell_text(("Name", "Email address")), cell_text(("We keep it.", "Then we delete it."))
    ('Name; Email address', 'We keep it. Then we delete it.')
    """
    text = lines[0] if lines else ""
    for line in lines[1:]:
        text += (" " if text.rstrip(CLOSING_MARKS).endswith(SENTENCE_END) else "; ") + line
    return text


def labelled_row(header: list[str], cells: list[str]) -> str:
    """A table row as one text, each cell labelled by its column's header; a cell beyond the header
    or under an empty header is unlabelled, an empty cell left out.

    >>> labelled_row(["Category", "Retention"], ["Payment data", "10 years"])
    'Category: Payment data; Retention: 10 years'
    >>> labelled_row(["Name", "Purpose"], ["_ga", "", "extra"])
    'Name: _ga; extra'
    """
    labels = header[: len(cells)] + [""] * (len(cells) - len(header))
    return "; ".join(f"{label}: {cell}" if label else cell for label, cell in zip(labels, cells, strict=False) if cell)


def strip_permalinks(text: str) -> str:
    """A heading's text without the permalink marks around it.

    >>> strip_permalinks("# Cookies ¶"), strip_permalinks("🔗 Sharing")
    ('Cookies', 'Sharing')
    """
    return text.strip(PERMALINK_MARKS + " ")


def _parse(items: list[Tag | str], block_tags: set[str], **options: Any) -> list[Block]:
    parser = _BlockParser(block_tags, **options)
    for item in items:
        parser.feed(item)
    parser.close()
    return parser.blocks


def main_content(items: list[Tag | str]) -> list[Tag | str] | None:
    """The tags and text of a page's main content: its one `<main>` (or `role="main"`) element, else
    its one `<article>`; None when it has no such element, or several.

    >>> main_content(list(scan("<nav>Home</nav><main><p>Text</p></main><footer>(c)</footer>")))
    [Tag(name='main', attrs={}, end=False), Tag(name='p', attrs={}, end=False), 'Text', \
Tag(name='p', attrs={}, end=True), Tag(name='main', attrs={}, end=True)]
    """
    for wanted in ("main", "article"):
        starts = [
            i
            for i, item in enumerate(items)
            if isinstance(item, Tag) and not item.end and (item.name == wanted or item.attrs.get("role") == wanted)
        ]
        if len(starts) == 1:
            return items[starts[0] : _element_end(items, starts[0])]
    return None


def _element_end(items: list[Tag | str], start: int) -> int:
    """The index after the end tag of the element that starts at `start` (or the end of `items`)."""
    name, depth = items[start].name, 0  # type: ignore[union-attr]
    for i in range(start, len(items)):
        item = items[i]
        if isinstance(item, Tag) and item.name == name:
            depth += -1 if item.end else 1
            if depth == 0:
                return i + 1
    return len(items)


def read_html(html: str) -> list[Block]:
    """The blocks of a page in document order (see the module docstring): of its main content
    (`main_content`) when it marks one, where a `<header>` is the policy's own, else of the whole page."""
    items = list(scan(_MANGLED_ENTITY.sub(r"&\1;", html)))
    main = main_content(items)
    options: dict[str, Any] = {} if main is None else {"skipped": SKIPPED - {"header"}}
    for tags in (_BLOCKS, _BLOCKS | {"div", "section", "article"}):
        blocks = _parse(items if main is None else main, tags, **options)
        if sum(len(b.text.split()) for b in blocks if not b.level) >= 20:
            break
    return blocks


def read_html_fragment(html: str, *, lines: bool = False) -> list[Block]:
    """The blocks of HTML that is all content (rendered Markdown, crawled text with leftover tags):
    text outside block elements is read as paragraphs too, with `lines` one per line."""
    return _parse(list(scan(html)), _BLOCKS, bare=True, lines=lines)
