"""PDF policy files -> `Block`s, from the text pypdf reads with its place, size and font.

A PDF holds no paragraphs or headings, only text drawn at places on pages. This reader
rebuilds them: a line is the text drawn at one height of a page; lines in a larger type than
the body text are headings (the largest level 1, the next level 2, ...); a line all in bold
at body size is a bold block (a heading if short, as in HTML); a paragraph is a run of lines
of one style without a gap wider than the body's line spacing; a line opening with a bullet
("•", "-") or a number ("2.", "b)") starts a list item, and so does each line of a block
indented from the body's left edge (a browser draws bullets as shapes); a line that ends where the next
line's first word would still have fitted was broken by its writer (an address), not wrapped.
Wrapped lines are joined, and a word hyphenated at a line end is joined again unless both
halves are words and the whole is not ("infor-" "mation" and "geoloca-" "tion" join,
"self-" "service" keeps its hyphen). Page numbers, then running headers and footers (the
same first or last line on most pages, digits aside), are dropped. Words are told apart by the
glyphs' widths of each font and by pypdf's own spaces (`_apart`); text drawn a type size apart starts
another cell, and lines of cells in columns are a table, read row by row (`tables`). Text laid out in
several columns is not read well; a PDF of images only is refused as having no text.
"""

from __future__ import annotations

import io
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from itertools import pairwise

from qa.errors import PolicyError
from qa.read.blocks import (
    BULLET,
    BULLET_MARK,
    CLOSING_MARKS,
    SENTENCE_END,
    Block,
    clean_line,
    looks_like_heading,
    without_site_name,
)
from qa.read.html import labelled_row, strip_permalinks
from qa.vocabulary import english_words

# A PDF's metadata title is no title when it is longer than this, or like `_NO_TITLE`.
MAX_TITLE = 200
_NO_TITLE = re.compile(r"\.(?:html?|pdf|docx?|txt|md)$|^untitled\b|^microsoft (?:word|powerpoint) - |^/", re.I)
# A longer file is refused: policies run to tens of pages, and reading a page costs time.
MAX_PAGES = 300
# Text in a larger type of at most this many words, not ending like a sentence, is a heading.
MAX_HEADING_WORDS = 20
# A line whose type is this much larger than the body text's is a heading.
HEADING_RATIO = 1.1
# A gap between lines this many times the body's line spacing starts a new paragraph.
PARAGRAPH_GAP = 1.4
# The distance between two lines of one paragraph is within this range, in type sizes.
LEADING = (0.9, 1.8)
# Without body lines of one paragraph to measure, their distance is taken as this many type sizes.
DEFAULT_LEADING = 1.2
# Runs whose heights differ by at most this many type sizes are on one line.
SAME_LINE = 0.3
# A one-word run followed, without a space from pypdf, by a run that starts more than this many type
# sizes after its last glyph is followed by another word: a space is 0.2 to 0.35 of the type size
# wide (0.09 where a justified line is squeezed), kerning and letter-spacing a few hundredths.
WORD_GAP = 0.08
# A glyph's width in type sizes where its font's widths cannot be read: a rough average.
GLYPH_WIDTH = 0.45
# Text drawn this many type sizes or more after the previous run on a line is in another column
# (a table's cell); a justified line's widest space is narrower.
COLUMN_GAP = 1.0
# A table's cells start within this many type sizes of their column's start (text after a bullet
# starts a little right of the bullets' column; columns are wider than this).
COLUMN_SLACK = 2.5
# A table is read from a line of at least this many cells, and has at least this many such lines.
TABLE_CELLS = 3
TABLE_LINES = 2
# A table's lines are at most this many type sizes apart (a gap wider ends it).
TABLE_LEADING = 3.0
# Lines that all start this many type sizes right of the body's left edge are list items (a
# browser draws a list's bullets as shapes, not as text).
LIST_INDENT = 1.0
# A full line of body text: this percentile of the body lines' lengths.
FULL_LINE_PERCENTILE = 0.9
_LIST_NUMBER = re.compile(r"^(?:\(?[0-9]{1,2}[.)]|\(?[a-z][.)]|\([ivx]{1,4}\))\s+")
# What a browser prints around a page when asked to: the date and time, the address, "1/3".
_PRINT_MARK = re.compile(
    r"^\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4},?\s+\d{1,2}:\d{2}|\b(?:file|https?)://\S+|\b\d+\s*/\s*\d+$", re.I
)
_PAGE_NUMBER = re.compile(r"^(?:page\s+)?[-–—]?\s*\d{1,4}\s*[-–—]?(?:\s*(?:of|/)\s*\d{1,4})?$", re.I)
# Typographic ligatures ("ﬁ", "ﬀ", "ﬄ") as the letters they join, so that "ﬁles" is "files".
_LIGATURES = {code: unicodedata.normalize("NFKC", chr(code)) for code in range(0xFB00, 0xFB07)}
# A word broken at a line end is looked for in this many characters at the line's end.
_MAX_WORD = 64
# A bullet drawn on its own, apart from its item's text.
BULLET_ONLY = re.compile(rf"^\s*{BULLET_MARK}\s*$")
# Control characters: what pypdf gives for a glyph its font does not map to text (an emoji).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class Line:
    """The text drawn at one height of one page: where it starts (x, and y from the bottom), the
    largest type size on it, whether all of its letters are bold, and the font of most of them."""

    page: int
    x: float
    y: float
    size: float
    bold: bool
    text: str
    font: str = ""
    # The line's text in columns: each cell's start and end and its text, a cell where runs are drawn
    # `COLUMN_GAP` or more apart (a table row has several); empty where not measured.
    cells: tuple[Cell, ...] = ()


@dataclass(frozen=True)
class Cell:
    """The text of one column of a line, where it starts and ends."""

    x: float
    end: float
    text: str


@dataclass(frozen=True)
class _Run:
    x: float
    y: float
    size: float
    bold: bool
    text: str
    font: str
    # How far the run's text reaches along its line, without its trailing spaces: from its font's
    # widths (`exact`), or from `GLYPH_WIDTH` where the font's widths cannot be read.
    width: float
    exact: bool
    # Whether pypdf saw a gap before this run (it gave a space), and where the text before it ended
    # by pypdf's reckoning (the place of the space it gave on its own; None if it gave none).
    spaced: bool = False
    after: float | None = None
    # Whether pypdf broke the line before this run (it starts a text block of its own: a table cell's).
    broken: bool = False


@dataclass
class _Visit:
    """What pypdf's text visitor gathers from one page: the runs, each font's glyph widths once read
    (by the font object's id, with the object so that the id stays its), and where pypdf last gave a
    space of its own on the current line (None if not since the last run), and whether it broke the
    line since the last run."""

    runs: list[_Run]
    widths: dict[int, tuple[object, _Widths]]
    space: float | None = None
    broken: bool = False


@dataclass(frozen=True)
class PdfText:
    """What a PDF file gives: its blocks, and the title its metadata states (None if none)."""

    blocks: list[Block]
    title: str | None


def read_pdf(data: bytes, name: str = "the PDF") -> PdfText:
    """The blocks of a PDF file's text (see the module docstring); a `PolicyError` when it cannot be read."""
    lines, title = pdf_lines(data, name)
    lines = drop_running_lines(lines)
    if not lines:
        raise PolicyError(f"{name} has no text to read (a scanned PDF holds only images); give a text PDF or HTML")
    return PdfText(blocks_of(lines), title)


def pdf_lines(data: bytes, name: str = "the PDF") -> tuple[list[Line], str | None]:
    """Every line of text of the PDF, page by page, top to bottom, and the title in its metadata."""
    from pypdf import PdfReader  # subtle: only adding a PDF policy needs pypdf
    from pypdf.errors import DependencyError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise PolicyError(f"{name} is password-protected; save an unprotected copy and try again")
        if not reader.pages:
            raise PolicyError(f"{name} has no pages; give a PDF with the policy's text")
        if len(reader.pages) > MAX_PAGES:
            raise PolicyError(
                f"{name} has {len(reader.pages):,} pages; policies up to {MAX_PAGES} pages are accepted: "
                "save only the policy's pages as a PDF and try again"
            )
        lines: list[Line] = []
        widths: dict[int, tuple[object, _Widths]] = {}
        for number, page in enumerate(reader.pages, 1):
            visit = _Visit([], widths)
            page.extract_text(visitor_text=partial(_collect, visit))
            lines.extend(_lines(number, visit.runs))
        title = reader.metadata.title if reader.metadata is not None else None
    except PolicyError:
        raise
    except DependencyError as error:  # a cipher pypdf cannot run here
        problem = f"{name} is encrypted in a way this reader cannot open ({error})"
        raise PolicyError(f"{problem}; save a copy without encryption and try again") from None
    except Exception as error:  # noqa: BLE001 - a damaged file makes pypdf raise almost anything
        # The library's own words (its exception) are for developers: they stay on the chained error.
        raise PolicyError(f"{name} is not a PDF that can be read; save or print it as a PDF again") from error
    return lines, metadata_title(title)


def metadata_title(title: object) -> str | None:
    """The title a PDF's metadata states, unless it is no title: a file name (as some printers set
    it), "Untitled", "Microsoft Word - ...", control characters, or longer than `MAX_TITLE` characters.

    >>> metadata_title(" Acme  Privacy Policy "), metadata_title("policy.html"), metadata_title("Untitled")
    ('Acme Privacy Policy', None, None)
    """
    if not isinstance(title, str) or _CONTROL.search(title.replace("\n", " ")):
        return None
    title = " ".join(title.split())
    if not title or len(title) > MAX_TITLE or _NO_TITLE.search(title):
        return None
    return without_site_name(title, separators=(" | ", " – ", " — ", " - ")) or None


@dataclass(frozen=True)
class _Widths:
    """A font's glyph widths by the character each draws, and for any other character, in type sizes."""

    by_character: dict[str, float]
    default: float

    def of(self, text: str) -> float:
        """The width of `text` set in this font, in type sizes.

        >>> _Widths({"i": 0.25, "W": 0.9}, 0.5).of("Wix")
        1.65
        """
        return sum(self.by_character.get(character, self.default) for character in text)


_ROUGH = _Widths({}, GLYPH_WIDTH)


def font_widths(font: object) -> _Widths:
    """The widths of the glyphs a PDF font draws, by the text each stands for (a font's widths are
    kept by its own character codes: mapped through its ToUnicode map or encoding); `GLYPH_WIDTH`
    for every character when pypdf cannot read them."""
    try:
        from pypdf.generic import DictionaryObject
        from pypdf.generic._font import Font  # subtle: pypdf's font model has no public name yet

        if not isinstance(font, DictionaryObject):
            return _ROUGH
        model = Font.from_font_resource(font)
    except Exception:  # noqa: BLE001 - an older pypdf, or a font it cannot model: the rough width
        return _ROUGH
    encoding = model.encoding if isinstance(model.encoding, dict) else {}
    by_character: dict[str, float] = {}
    for code, width in model.character_widths.items():
        if code == "default" or not width:
            continue
        character = model.character_map.get(code) or encoding.get(ord(code), code)
        if isinstance(character, str) and character:
            by_character.setdefault(character[:1], width / 1000)
    if len(by_character) < 2:
        return _ROUGH
    return _Widths(by_character, model.character_widths.get("default", 1000 * GLYPH_WIDTH) / 1000 or GLYPH_WIDTH)


def _collect(
    visit: _Visit,
    text: str,
    cm: Sequence[float],
    tm: Sequence[float],
    font: object,
    size: float,
) -> None:
    """pypdf's text visitor: one run of text with its matrices, font and size. A run of spaces is
    where pypdf saw a word gap (it weighs the spacing operators this visitor does not see), placed
    where the text before it ends; a line break ("\n") carries no place: the next run is marked as
    broken from the text before it."""
    if not text.strip() and set(text) != {" "}:
        visit.space, visit.broken = None, visit.broken or "\n" in text
        return
    # The run's origin on the page, and the length of its vertical axis (its type size's scale):
    # the text matrix times the current transformation matrix.
    x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
    y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
    scale = math.hypot(tm[2] * cm[0] + tm[3] * cm[2], tm[2] * cm[1] + tm[3] * cm[3]) or 1.0
    base = str(font.get("/BaseFont", "")) if isinstance(font, dict) else ""
    bold = bool(re.search(r"bold|black|heavy|semibold|demi", base, re.I))
    if id(font) not in visit.widths:
        visit.widths[id(font)] = (font, font_widths(font))
    glyphs = visit.widths[id(font)][1]
    width = glyphs.of(text.rstrip()) * abs(size) * scale
    text = _CONTROL.sub("", text.replace("\n", " ")).translate(_LIGATURES)
    exact = glyphs is not _ROUGH
    if not text.strip():
        visit.space = x
    spaced = visit.space is not None or text.startswith(" ")
    run = _Run(x, y, round(abs(size) * scale, 1), bold, text, base, width, exact, spaced, visit.space, visit.broken)
    visit.runs.append(run)
    if text.strip():
        visit.space, visit.broken = None, False


def _lines(page: int, runs: list[_Run]) -> list[Line]:
    """The runs of one page as lines: runs at (nearly) one height, left to right; lines top to bottom."""
    rows: list[list[_Run]] = []
    for run in sorted(runs, key=lambda r: (-r.y, r.x)):
        if rows and abs(rows[-1][0].y - run.y) <= SAME_LINE * max(run.size, rows[-1][0].size):
            rows[-1].append(run)
        else:
            rows.append([run])
    lines = []
    for row in rows:
        row.sort(key=lambda r: r.x)
        while row and not row[-1].text.strip():
            row.pop()
        while row and not row[0].text.strip():
            row.pop(0)
        if not row:
            continue
        text = clean_line(_joined(row))
        letters = [r for r in row if any(c.isalpha() for c in r.text)]
        bold = bool(letters) and all(r.bold for r in letters)
        font = max(row, key=lambda r: len(r.text)).font
        cells = _cells(row)
        size = max(r.size for r in row if r.text.strip())  # a space pypdf marked may carry another size
        lines.append(Line(page, row[0].x, row[0].y, size, bold, text, font, cells))
    return lines


def _cells(row: list[_Run]) -> tuple[Cell, ...]:
    """A line's runs (left to right) in columns: a run `COLUMN_GAP` or more after the previous run's
    last glyph starts a cell (`_column_apart`). A bullet drawn apart from its text belongs to no cell."""
    cells: list[list[_Run]] = []
    after_bullet = False
    for run in row:
        if not run.text.strip():
            continue
        if BULLET_ONLY.match(run.text):
            after_bullet = True
        elif not cells or after_bullet or _column_apart(cells[-1][-1], run):
            cells.append([run])
            after_bullet = False
        else:
            cells[-1].append(run)
    return tuple(Cell(group[0].x, group[-1].x + group[-1].width, clean_line(_joined(group))) for group in cells)


def _column_apart(before: _Run, run: _Run) -> bool:
    """Whether `run` starts another column than `before`'s: `COLUMN_GAP` or more after the end of
    `before`'s text. That end is where pypdf placed its space after it, or else its font's widths'
    reckoning, trusted for one word or where pypdf saw a gap or broke the line (word spacing
    stretches a justified line's words beyond their glyphs' widths, and pypdf then sees no gap)."""
    if run.after is not None:
        end = run.after
    elif before.exact and (run.spaced or run.broken or " " not in before.text.strip()):
        end = before.x + before.width
    else:
        return False
    return run.x - end >= COLUMN_GAP * before.size


def _joined(runs: list[_Run]) -> str:
    """Runs of one line (left to right) as text, a space where they are words apart."""
    text = runs[0].text
    for before, run in pairwise(runs):
        text += (
            " " + run.text if _apart(before, run) and not (text.endswith(" ") or run.text.startswith(" ")) else run.text
        )
    return text


def _apart(before: _Run, run: _Run) -> bool:
    """Whether `run` is another word than `before`'s last, on one line. pypdf's own spaces (runs of
    spaces) say so where it saw a gap; besides, a one-word run measured by its font's widths is
    followed by a word when the next starts `WORD_GAP` after its last glyph. A longer run may have
    been stretched by word spacing the visitor does not see, so its width is not trusted; without the
    font's widths, a run starting beyond `GLYPH_WIDTH` per character is another word."""
    gap = run.x - before.x - before.width
    if not before.exact:
        return gap > 0
    return " " not in before.text.strip() and gap > WORD_GAP * before.size


def drop_running_lines(lines: list[Line]) -> list[Line]:
    """Without the page numbers at the top or bottom of a page, then without the first or last
    lines of a page that recur on most pages (digits aside): running headers and footers such as
    "Acme - Privacy Policy" or "Page 2 of 9", also when a footer sits above the page number.

    >>> page = lambda p: ((800, "Acme"), (700, f"Text {p}: 30"), (40, "Confidential"), (20, f"{p}"))
    >>> rows = [Line(p, 0, y, 8, False, text) for p in (1, 2) for y, text in page(p)]
    >>> [line.text for line in drop_running_lines(rows)]
    ['Text 1: 30', 'Text 2: 30']
    >>> body = Line(1, 0, 700, 12, False, "We collect your name and email address when you register.")
    >>> printed = [Line(1, 0, 800, 8, False, "11/29/26, 8:53 PM"), body, Line(1, 0, 20, 8, False, "file:///p.html 1/1")]
    >>> [line.text for line in drop_running_lines(printed)]
    ['We collect your name and email address when you register.']
    """
    body = body_size(lines) if lines else 0.0
    pages = _pages(lines)
    for page in pages:
        while page and _page_mark(page[0], body):
            page.pop(0)
        while page and _page_mark(page[-1], body):
            page.pop()
    edges = [(page[0], page[-1]) for page in pages if page]
    counts = Counter(_digitless(line) for pair in edges for line in set(pair))
    recurring = {text for text, count in counts.items() if len(edges) >= 2 and count >= max(2, len(edges) / 2)}
    return [
        line
        for page in pages
        for position, line in enumerate(page)
        if not (position in (0, len(page) - 1) and _digitless(line) in recurring)
    ]


def _page_mark(line: Line, body: float) -> bool:
    """A page number, or in type smaller than the body's a browser's print date, address or "1/3"."""
    return bool(_PAGE_NUMBER.match(line.text)) or (line.size < body and bool(_PRINT_MARK.search(line.text)))


def _pages(lines: list[Line]) -> list[list[Line]]:
    """The lines of each page, in order."""
    pages: dict[int, list[Line]] = {}
    for line in lines:
        pages.setdefault(line.page, []).append(line)
    return list(pages.values())


def _digitless(line: Line) -> str:
    return re.sub(r"\d+", "#", line.text.lower())


def body_size(lines: Sequence[Line]) -> float:
    """The type size of most of the text (by letters)."""
    sizes: Counter[float] = Counter()
    for line in lines:
        sizes[line.size] += len(line.text)
    return sizes.most_common(1)[0][0]


def blocks_of(lines: Sequence[Line]) -> list[Block]:
    """Lines -> headings, bold blocks, paragraphs and list items (see the module docstring); a
    table's rows (`tables`) as one block each."""
    body = body_size(lines)
    larger = sorted({line.size for line in lines if line.size >= body * HEADING_RATIO}, reverse=True)
    levels = {size: min(6, rank) for rank, size in enumerate(larger, 1)}
    spacing = line_spacing(lines, body)
    # Without larger or bold type, a short line without a final stop is a heading, as in plain text.
    plain = not levels and not any(line.bold for line in lines)
    full = full_lines(lines)
    left = Counter(round(line.x) for line in lines if line.size == body).most_common(1)[0][0]

    def text_blocks(stretch: Sequence[Line]) -> list[Block]:
        groups: list[list[Line]] = []
        for line in stretch:
            previous = groups[-1][-1] if groups else None
            if previous is None or _starts_block(previous, line, levels, spacing, body):
                groups.append([line])
            else:
                groups[-1].append(line)
        blocks = []
        for group in groups:
            text = join_lines([line.text for line in group])
            first = group[0]
            if (first.size in levels and reads_as_heading(text)) or (
                plain and len(group) == 1 and looks_like_heading(text)
            ):
                blocks.append(Block((strip_permalinks(text),), level=levels.get(first.size, 2)))
            elif BULLET.match(text):
                blocks.append(Block((BULLET.sub("", text),), item=True))
            else:
                broken = hard_lines([line.text for line in group], full[first.font, first.size])
                parts = tuple(join_lines(part) for part in broken)
                if all(line.x > left + LIST_INDENT * body for line in group):  # an indented list
                    blocks.extend(Block((part,), item=True) for part in parts)
                else:
                    blocks.append(Block(parts, bold=first.bold, item=bool(_LIST_NUMBER.match(text))))
        return blocks

    blocks: list[Block] = []
    done = 0
    for start, end, rows in tables(lines):
        blocks += text_blocks(lines[done:start])
        blocks += [Block((row,)) for row in rows]
        done = end
    return blocks + text_blocks(lines[done:])


def tables(lines: Sequence[Line]) -> list[tuple[int, int, list[str]]]:
    """The tables among the lines: where each starts and ends (as indexes of `lines`) and its rows,
    each as one text labelled by the header row (`table_rows`). A table starts at a line of
    `TABLE_CELLS` or more cells and goes on while its lines stay close (`TABLE_LEADING`), over page
    breaks, each cell starting at a column's start, a lone cell not reaching into the next column; it
    is a table if `TABLE_LINES` of its lines have that many cells."""
    found = []
    i = 0
    while i < len(lines):
        if len(lines[i].cells) < TABLE_CELLS:
            i += 1
            continue
        columns = [cell.x for cell in lines[i].cells]
        header = lines[i].bold  # a header's cells may be centred: the body's cells set the columns
        j = i + 1
        while j < len(lines) and _in_table(lines[j - 1], lines[j], columns):
            line = lines[j]
            if header and not line.bold and len(line.cells) > 1:
                columns, header = [cell.x for cell in line.cells], False
            elif not (header and line.bold):
                columns = _with_columns(columns, line)
            j += 1
        table = lines[i:j]
        if sum(len(line.cells) >= TABLE_CELLS for line in table) >= TABLE_LINES:
            found.append((i, j, table_rows(table)))
            i = j
        else:
            i += 1
    return found


def _with_columns(columns: list[float], line: Line) -> list[float]:
    """The columns, with one more where a cell of `line` starts in none of them."""
    slack = COLUMN_SLACK * line.size
    return sorted(columns + [c.x for c in line.cells if _column(columns, c.x, slack, exact=True) is None])


def _column(columns: Sequence[float], x: float, slack: float, *, exact: bool = False) -> int | None:
    """The column a cell starting at `x` is in: the nearest starting within `slack` of it; unless
    `exact`, else the last one starting before it (a header's cells are centred); None if none."""
    near = [(abs(start - x), index) for index, start in enumerate(columns) if abs(start - x) <= slack]
    if near:
        return min(near)[1]
    if exact:
        return None
    before = [index for index, start in enumerate(columns) if start <= x]
    return before[-1] if before else None


def _in_table(previous: Line, line: Line, columns: Sequence[float]) -> bool:
    """Whether `line` goes on the table `previous` is in (see `tables`)."""
    if line.page == previous.page and previous.y - line.y > TABLE_LEADING * max(previous.size, line.size):
        return False
    if line.size > previous.size * HEADING_RATIO or not line.cells:
        return False
    if len(line.cells) > 1:
        return True
    cell = line.cells[0]
    slack = COLUMN_SLACK * line.size
    if cell.x < columns[0] - slack:
        return False  # left of the table: the text after it
    index = _column(columns, cell.x, slack)
    following = [start for start in columns if start > cell.x + slack]
    # A lone cell at the first column that reaches into the next is a paragraph across the columns.
    return not (index == 0 and following and cell.end > following[0] + slack)


def table_rows(table: Sequence[Line]) -> list[str]:
    """A table's lines as rows, each one text of its cells labelled by the header (its first lines
    when all in bold). The columns are where the body's cells start (a header's cells may be
    centred). A row starts at a line with a cell in the first column and one in the last (a table's
    cells are set at their row's top); each cell's lines are joined as a paragraph's."""
    header_lines = []
    for line in table:
        if not line.bold:
            break
        header_lines.append(line)
    columns: list[float] = []
    for line in table[len(header_lines) :]:
        if len(line.cells) >= TABLE_CELLS:
            columns = _with_columns(columns, line)
    if not columns:
        return [join_lines([line.text for line in table])]
    header = _row_cells(header_lines, columns) if header_lines else []
    rows: list[list[Line]] = []
    last = len(columns) - 1
    for line in table[len(header_lines) :]:
        where = {_column(columns, cell.x, COLUMN_SLACK * line.size) for cell in line.cells}
        if not rows or (0 in where and last in where):
            rows.append([line])
        else:
            rows[-1].append(line)
    texts = [labelled_row(header, _row_cells(row, columns)) for row in rows]
    return [text for text in texts if text]


def _row_cells(lines: Sequence[Line], columns: Sequence[float]) -> list[str]:
    """The text of each column of a row's lines (top to bottom)."""
    cells: list[list[str]] = [[] for _ in columns]
    for line in lines:
        for cell in line.cells:
            cells[_column(columns, cell.x, COLUMN_SLACK * line.size) or 0].append(cell.text)
    return [join_lines(texts) for texts in cells]


def reads_as_heading(text: str) -> bool:
    """Whether text set in a larger type is a heading: a few words not ending like a sentence. A whole
    paragraph in a larger type (some PDFs set a section's text so) is a paragraph.

    >>> reads_as_heading("What information do we collect?"), reads_as_heading("We scan each photo that you submit.")
    (True, False)
    """
    return len(text.split()) <= MAX_HEADING_WORDS and not text.rstrip(CLOSING_MARKS + " ").endswith((".", ";", ","))


def full_lines(lines: Sequence[Line]) -> dict[tuple[str, float], int]:
    """The length in characters of a full line in each font and size (`FULL_LINE_PERCENTILE` of
    its lines' lengths): characters are narrower in one font than in another.

    >>> full_lines([Line(1, 0, 0, 10, False, "x" * n, "Serif") for n in (40, 90, 88, 12)])
    {('Serif', 10): 88}
    """
    lengths: dict[tuple[str, float], list[int]] = {}
    for line in lines:
        lengths.setdefault((line.font, line.size), []).append(len(line.text))
    return {key: sorted(found)[int(FULL_LINE_PERCENTILE * (len(found) - 1))] for key, found in lengths.items()}


def hard_lines(texts: Sequence[str], full: int) -> list[list[str]]:
    """A paragraph's lines grouped into the lines its writer broke: a line ends one when the next
    line's first word would have fitted after it on a `full` line (`qa.read.blocks.group_lines` then
    joins an address to its "write to:"); a line cut short before a long word or address is wrapped.

    >>> hard_lines(["Call us or write to:", "Harbor Credit Union", "1 Dock Street."], 40)
    [['Call us or write to:'], ['Harbor Credit Union'], ['1 Dock Street.']]
    >>> hard_lines(["Read more at", "https://example.com/privacy/cookies-and-tracking here."], 40)
    [['Read more at', 'https://example.com/privacy/cookies-and-tracking here.']]
    >>> hard_lines(["OpenGov is committed", "to protecting your privacy."], 40)  # a sentence goes on
    [['OpenGov is committed', 'to protecting your privacy.']]
    """
    parts: list[list[str]] = []
    for before, text in zip([None, *texts], texts, strict=False):  # each line with the one before
        word = text.split(" ", 1)[0]
        if before is None or (len(before) + 1 + len(word) <= full and not word[:1].islower()):
            parts.append([text])
        else:
            parts[-1].append(text)
    return parts


def line_spacing(lines: Sequence[Line], body: float) -> float:
    """The usual distance between two body lines of one paragraph: the commonest gap between body
    lines from `LEADING[0]` to `LEADING[1]` times the body size (a paragraph gap is wider, the
    staggered cells of a table narrower); `DEFAULT_LEADING` times the body size if there is none."""
    low, high = LEADING[0] * body, LEADING[1] * body
    gaps = Counter(
        round(a.y - b.y, 1)
        for a, b in pairwise(lines)
        if a.page == b.page and a.size == b.size == body and low <= a.y - b.y <= high
    )
    return gaps.most_common(1)[0][0] if gaps else DEFAULT_LEADING * body


def _starts_block(previous: Line, line: Line, levels: dict[float, int], spacing: float, body: float) -> bool:
    """Whether `line` starts a new block rather than continuing `previous`'s."""
    if levels.get(line.size) != levels.get(previous.size) or line.bold != previous.bold:
        return True
    if BULLET.match(line.text) or _LIST_NUMBER.match(line.text):
        return True
    if line.page != previous.page:  # a paragraph goes on over a page break only mid-sentence
        return previous.text.endswith(SENTENCE_END)
    # subtle: a heading's lines are as far apart as its type is larger, so a wrapped heading stays one
    return previous.y - line.y > PARAGRAPH_GAP * spacing * max(1.0, line.size / body)


def join_lines(texts: Sequence[str]) -> str:
    """A paragraph's lines as one text. A word hyphenated at a line end is joined again, unless
    both halves are English words and the joined word is not (a compound: "opt-out").

    >>> join_lines(["We do not sell your infor-", "mation or geoloca-", "tion.", "Ask our self-", "service desk."])
    'We do not sell your information or geolocation. Ask our self-service desk.'
    """
    words = english_words()
    parts: list[list[str]] = []  # each part's pieces, joined at the end (joining as we go is quadratic)
    for line in texts:
        # subtle: only the end of a part can hold the broken word; looking further is quadratic.
        tail = "".join(parts[-1][-3:])[-_MAX_WORD:] if parts else ""
        broken = re.search(r"([^\W\d_]+)-$", tail) if tail.endswith("-") else None
        if broken and line[:1].islower():
            head, tail_word = broken.group(1).lower(), re.split(r"[^\w]", line[:_MAX_WORD], maxsplit=1)[0].lower()
            compound = head in words and tail_word in words and head + tail_word not in words
            if not compound:
                parts[-1][-1] = parts[-1][-1][:-1]
            parts[-1].append(line)
        else:
            parts.append([line])
    return " ".join("".join(part) for part in parts)
