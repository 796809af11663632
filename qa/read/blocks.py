"""The unit every reader produces: a `Block` of text lines, plus the rules that
judge a block (site chrome or not) and clean its text. Readers: `qa.read.html` for
web pages, `qa.read.markdown` for Markdown, `qa.read.text` for plain text; `qa.read.documents` builds the policy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A list item the scraper ended with "." although "; and" followed.
_BROKEN_CONJUNCTION = re.compile(r"\.\n(and|or)\b")
_SEPARATORS = re.compile(r"\s[|\-·•]\s")
# The title of a table of contents or an in-page menu, never a section of its own.
_TOC_TITLE = re.compile(
    r"^(?:table of contents|contents|on this page|in this (?:policy|notice|statement|page|article)|jump to(?: section)?"
    r"|quick links|skip to (?:main )?content)\s*:?$",
    re.I,
)
# A plain-text line of at most this many words without a final stop is a heading.
HEADING_WORDS = 12
# What a "back to top" link leaves at the end of a heading of crawled text.
BACK_TO_TOP = ("[top]", "[back to top]", "back to top", "top ↑", "↑")
# A line of an address has at most this many words.
ADDRESS_WORDS = 6
# How a sentence or a lead-in ends, and how a whole sentence ends.
SENTENCE_END = (".", ":", ";", "?", "!")
FULL_STOP = (".", "!", "?")
# What may close a sentence after its stop: a bracket or a quote ('..." he said.' ends in ".").
CLOSING_MARKS = ")\"'”’"
# A list item's bullet, in Markdown, plain text or a PDF ("•", "◦", "▪", "–", ...).
# "\uf0b7" and "\uf0a7" are the bullets of the Symbol and Wingdings fonts, as Word's PDFs keep them.
BULLET_MARK = r"[-*+•◦▪‣●○■□–·\uf0b7\uf0a7]"
BULLET = re.compile(rf"^\s*{BULLET_MARK}\s+")
_SMALL_WORDS = {"a", "an", "and", "as", "at", "by", "for", "in", "of", "on", "or", "the", "to"}
_VOWEL = re.compile(r"[aeiouy]")
# Abbreviations with a vowel, common in privacy policies, which no rule can tell from words.
_ABBREVIATIONS = frozenset(
    "AI API CCPA COPPA CPRA DPA DPO EEA EU FAQ HIPAA ICO ID IP IT OS PIPEDA UK UAE US USA".split()  # noqa: SIM905
)


@dataclass(frozen=True)
class Block:
    """One paragraph-like element: its lines (split at `<br>`), whether it is all bold,
    its heading level (1-6; 0 for a paragraph), whether it is a list item and, for an item,
    how deeply its list is nested (0 for a top-level list)."""

    lines: tuple[str, ...]
    bold: bool = False
    level: int = 0
    item: bool = False
    depth: int = 0

    @property
    def text(self) -> str:
        return " ".join(self.lines)


def clean_line(raw: str) -> str:
    """Repair one scraped line: '"ID").\\nand' -> '"ID"); and', whitespace folded."""
    text = raw.replace("\u00a0", " ")
    text = _BROKEN_CONJUNCTION.sub(r"; \1", text)
    return re.sub(r"\s+", " ", text).strip()


def is_chrome(block: Block) -> bool:
    """True for site furniture: link lists ("A | B | C"), copyright lines, "Contents" / "On this page"."""
    text = block.text
    if _TOC_TITLE.match(text) or "©" in text or re.search(r"all rights reserved", text, re.I):
        return True
    return len(_SEPARATORS.findall(text)) >= 3


def looks_like_heading(line: str) -> bool:
    """A short single line without a final stop: 'HOW WE USE DATA', '3. Sharing'."""
    words = line.split()
    return 0 < len(words) <= HEADING_WORDS and not line.rstrip().endswith((".", ",", ";", ":", "?", "!"))


def without_back_to_top(line: str) -> str:
    """A line without the mark a "back to top" link left at its end.

    >>> without_back_to_top("Search History   [top]")
    'Search History'
    """
    for mark in BACK_TO_TOP:
        if line.lower().endswith(mark):
            return line[: -len(mark)].rstrip()
    return line


def without_site_name(title: str, *, separators: tuple[str, ...] = (" | ",)) -> str:
    """A title without the site's name a browser or printer put beside it: the longest part
    between `separators` (a PDF's metadata title is also split at dashes).

    >>> without_site_name("Privacy Policy | Tinder"), without_site_name("Mozilla Subscription Services |")
    ('Privacy Policy', 'Mozilla Subscription Services')
    """
    parts = [title]
    for separator in separators:
        parts = [piece for part in parts for piece in f"{part} ".split(separator)]
    kept = [part.strip(" |–—-") for part in parts if part.strip(" |–—-")]
    return max(kept, key=len) if kept else ""


def is_sentence(block: Block) -> bool:
    """A paragraph of real prose: at least 8 words, ending like a sentence or a lead-in."""
    text = block.text
    return not block.level and len(text.split()) >= 8 and text.rstrip(CLOSING_MARKS).endswith(SENTENCE_END)


def title_case(heading: str) -> str:
    """'RIGHT TO ACCESS/CORRECT PERSONAL DATA' -> 'Right to Access/Correct Personal Data'.

    A word without a vowel, or a known abbreviation, stays as written: 'CCTV AND EU DATA' -> 'CCTV and EU Data'.
    """
    out = []
    for i, word in enumerate(heading.split(" ")):
        parts = []
        for part in word.split("/"):
            lower = part.lower()
            if part in _ABBREVIATIONS or (_VOWEL.search(lower) is None and any(ch.isalpha() for ch in part)):
                parts.append(part)
            else:
                parts.append(lower if (i and lower in _SMALL_WORDS) else lower[:1].upper() + lower[1:])
        out.append("/".join(parts))
    return " ".join(out)


def group_lines(lines: tuple[str, ...]) -> list[str]:
    """Join `<br>` lines into paragraphs: a line ending in ":" takes the address lines after it, and
    short lines without a final stop ("Tinder", "1 Hatch Street Upper", "Dublin 2") stay together.

    Lines after a colon are absorbed while the previous absorbed line has no
    final punctuation: ("Write to:", "Legal Dept", "1 Street, HK.", "Next.")
    -> ["Write to:\\nLegal Dept\\n1 Street, HK.", "Next."].
    """
    groups: list[list[str]] = []
    absorbing = False  # after a line ending in ":", until a line ends in a full stop
    for line in lines:
        address = bool(groups) and is_address_line(groups[-1][-1]) and is_address_line(line)
        if groups and (absorbing or address):
            groups[-1].append(line)
            absorbing = absorbing and not line.endswith(FULL_STOP)
        else:
            groups.append([line])
            absorbing = line.endswith(":")
    return ["\n".join(group) for group in groups]


def is_address_line(line: str) -> bool:
    """A line of an address or a contact: a few words without a sentence's final stop.

    >>> is_address_line("1 Hatch Street Upper"), is_address_line("VeraSafe Ltd."), is_address_line("We keep it.")
    (True, True, False)
    """
    words = line.split()
    if not 0 < len(words) <= ADDRESS_WORDS or line.endswith(":"):
        return False
    text = line.rstrip(CLOSING_MARKS)
    abbreviated = text.endswith(".") and len(words[-1]) <= 4 and words[-1][:1].isupper()  # "Ltd.", "Inc."
    return abbreviated or not text.endswith(SENTENCE_END)


def joined(previous: Block, block: Block) -> Block:
    """`block` added to `previous` as one more line of one paragraph (so `group_lines` keeps them together):
    bold if both are, and otherwise what `previous` is (item or not, its depth).

    >>> joined(Block(("We collect:",)), Block(("Name",), item=True))
    Block(lines=('We collect:\\nName',), bold=False, level=0, item=False, depth=0)
    """
    lines = ("\n".join(previous.lines + block.lines),)
    return Block(lines, previous.bold and block.bold, 0, previous.item, previous.depth)


def nest_items(blocks: list[Block]) -> list[Block]:
    """A nested list item joins the item before it, one line each: a sub-point belongs to its point,
    not to the next point.

    [I("You may ask for a copy."), I("It is free.", depth=1), I("You may ask us to delete it.")]
    -> [I("You may ask for a copy.\nIt is free."), I("You may ask us to delete it.")]
    """
    out: list[Block] = []
    for block in blocks:
        previous = out[-1] if out else None
        if block.item and block.depth > 0 and previous is not None and previous.item:
            out[-1] = joined(previous, block)
        else:
            out.append(block)
    return out


def merge_short_items(blocks: list[Block], *, max_words: int = 8) -> list[Block]:
    """Runs of short list items ("Name", "Email address") become one block, joined
    to the lead-in paragraph before them when it ends with ":"; so do the lines of an address,
    each a paragraph of its own, after their lead-in. Without a lead-in, items
    that are whole sentences stay apart: each says something of its own.

    [P("We collect:"), I("Name"), I("Email")] -> [P("We collect:\nName\nEmail")]
    [I("We never sell data."), I("You may delete it.")] -> unchanged
    """
    out: list[Block] = []
    in_list = False  # the last block of `out` ends with a short item
    led = False  # ... of a run that follows a lead-in
    for block in blocks:
        previous = out[-1] if out else None
        lead_in = previous is not None and previous.text.endswith(":")  # a paragraph's or an item's
        address = not (block.item or block.level or block.bold) and all(is_address_line(x) for x in block.lines)
        short = (block.item and len(block.text.split()) <= max_words) or (address and (lead_in or led))
        joins = short and previous is not None and not previous.level and (in_list or lead_in)
        if joins and previous is not None and not (led or lead_in):
            joins = not is_sentence_item(block.text) and not is_sentence_item(previous.lines[-1].split("\n")[-1])
        if joins and previous is not None:
            out[-1] = joined(previous, block)
            led = led or lead_in
        else:
            out.append(block)
            led = False
        in_list = short
    return out


def is_sentence_item(text: str) -> bool:
    """A list item that is a whole sentence: three words or more, a capital first, a stop last.

    >>> is_sentence_item("We never sell your data."), is_sentence_item("Email address"), is_sentence_item("Name.")
    (True, False, False)
    """
    text = text.strip().rstrip(CLOSING_MARKS)
    return len(text.split()) >= 3 and text[:1].isupper() and text.endswith(FULL_STOP)
