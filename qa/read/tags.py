"""HTML -> a flat stream of start tags, end tags and text, in one pass over the input.

The standard library's `html.parser` takes time quadratic in some inputs (30 KB of "<a " took
11 s) and raises on others ("<![" repeated); this scanner never looks at a character more than a
fixed number of times, whatever the input. It reads what a browser would show: tag and attribute
names in lower case, character references decoded in text and attribute values, the text of
`<script>` and `<style>` never read as markup, comments, `<!DOCTYPE ...>` and `<?...>` dropped, a
"<" that opens no tag kept as text. A tag or comment left open at the end of the input takes the
rest of it (as a browser does). A self-closing tag ("<br/>") is a start tag then an end tag.

>>> list(scan('<p class=x>A &amp; B<br/>c</p>'))
[Tag(name='p', attrs={'class': 'x'}, end=False), 'A & B', Tag(name='br', attrs={}, end=False), \
Tag(name='br', attrs={}, end=True), 'c', Tag(name='p', attrs={}, end=True)]
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from dataclasses import dataclass, field

# Elements whose text is never markup ("if (a<b)" in a script is no tag).
RAW_TEXT = ("script", "style")
_SPACE = " \t\n\r\f"
# A character reference with more digits than this is no character (U+10FFFF has 7).
_MAX_DIGITS = 8
_DIGITS = "0123456789"
_HEX_DIGITS = "0123456789abcdefABCDEF"


@dataclass(frozen=True)
class Tag:
    """A start or end tag: its lower-case name and, for a start tag, its attributes (None for one without a value)."""

    name: str
    attrs: dict[str, str | None] = field(default_factory=dict)
    end: bool = False


def unescape(text: str) -> str:
    """`text` with its character references decoded; one with too many digits is U+FFFD.

    >>> unescape("&lt;b&gt; &#169; &#x41; &#" + "9" * 50 + ";")
    '<b> © A \\ufffd'
    """
    if "&" not in text:
        return text
    pieces = text.split("&#")
    kept = [pieces[0]]
    for piece in pieces[1:]:
        hexadecimal = piece[:1] in ("x", "X")
        body = piece[1:] if hexadecimal else piece
        digits = len(body) - len(body.lstrip(_HEX_DIGITS if hexadecimal else _DIGITS))
        if digits > _MAX_DIGITS:  # subtle: html.unescape raises on a number of over 4,300 digits
            kept[-1] += "\ufffd" + body[digits:].removeprefix(";")
        else:
            kept.append(piece)
    return html.unescape("&#".join(kept))


def scan(markup: str) -> Iterator[Tag | str]:
    """Tags and text of `markup` in order (see the module docstring); adjacent text comes as one string."""
    i, n = 0, len(markup)
    text: list[str] = []
    while i < n:
        lt = markup.find("<", i)
        if lt < 0:
            text.append(markup[i:])
            break
        text.append(markup[i:lt])
        following = markup[lt + 1 : lt + 2]
        closing = False
        if following.isascii() and following.isalpha():
            tag, i, closing = _start_tag(markup, lt)
        elif following == "/":
            tag, i = _end_tag(markup, lt)
        elif following in ("!", "?"):
            tag, i = None, _skip_declaration(markup, lt)
        else:
            text.append("<")
            i = lt + 1
            continue
        if tag is None:
            continue
        if text:
            data = unescape("".join(text))
            text = []
            if data:
                yield data
        yield tag
        if closing:
            yield Tag(tag.name, end=True)
        elif not tag.end and tag.name in RAW_TEXT:
            close = _raw_text_end(markup, i, tag.name)
            if close > i:
                yield markup[i:close]
            i = close
    if text and (data := unescape("".join(text))):
        yield data


def _name_end(markup: str, start: int, stops: str) -> int:
    """The index of the first character at or after `start` that is in `stops` (or the end)."""
    i = start
    while i < len(markup) and markup[i] not in stops:
        i += 1
    return i


def _start_tag(markup: str, lt: int) -> tuple[Tag | None, int, bool]:
    """The start tag at `lt`, the index after it and whether it closes itself ("<br/>"); None for the
    tag when the input ends inside it."""
    end = _name_end(markup, lt + 1, _SPACE + "/>")
    name = markup[lt + 1 : end].lower()
    attrs: dict[str, str | None] = {}
    i, n = end, len(markup)
    while i < n:
        char = markup[i]
        if char in _SPACE or char == "/":
            if markup.startswith("/>", i):
                return Tag(name, attrs), i + 2, True
            i += 1
        elif char == ">":
            return Tag(name, attrs), i + 1, False
        else:
            stop = _name_end(markup, i + 1, _SPACE + "/>=")
            key = markup[i:stop].lower()
            i = stop
            while i < n and markup[i] in _SPACE:
                i += 1
            value: str | None = None
            if i < n and markup[i] == "=":
                value, i = _attribute_value(markup, i + 1)
                if value is None:
                    return None, n, False
            attrs.setdefault(key, value)
    return None, n, False


def _attribute_value(markup: str, start: int) -> tuple[str | None, int]:
    """The value after "=" at `start` (quoted or not) and the index after it; None if the input ends first."""
    i, n = start, len(markup)
    while i < n and markup[i] in _SPACE:
        i += 1
    if i < n and markup[i] in "\"'":
        close = markup.find(markup[i], i + 1)
        if close < 0:
            return None, n
        return unescape(markup[i + 1 : close]), close + 1
    stop = _name_end(markup, i, _SPACE + ">")
    return unescape(markup[i:stop]), stop


def _end_tag(markup: str, lt: int) -> tuple[Tag | None, int]:
    """The end tag at `lt` ("</p>") and the index after it; "</>" and "</ 3" are dropped as browsers do."""
    close = markup.find(">", lt + 2)
    if close < 0:
        return None, len(markup)
    following = markup[lt + 2 : lt + 3]
    if not (following.isascii() and following.isalpha()):
        return None, close + 1
    name = markup[lt + 2 : _name_end(markup, lt + 2, _SPACE + "/>")].lower()
    return Tag(name, end=True), close + 1


def _skip_declaration(markup: str, lt: int) -> int:
    """The index after a comment ("<!-- -->"), a declaration ("<!DOCTYPE html>") or "<?...>" at `lt`."""
    if markup.startswith("<!--", lt):
        if markup.startswith(">", lt + 4) or markup.startswith("->", lt + 4):  # "<!-->" and "<!--->" are empty
            return lt + 4 + (1 if markup[lt + 4] == ">" else 2)
        close = markup.find("-->", lt + 4)
        return len(markup) if close < 0 else close + 3
    close = markup.find(">", lt + 2)
    return len(markup) if close < 0 else close + 1


def _raw_text_end(markup: str, start: int, name: str) -> int:
    """Where the text of a `<script>` or `<style>` opened before `start` ends: at its "</script"."""
    i = start
    while True:
        i = markup.find("</", i)
        if i < 0:
            return len(markup)
        if markup[i + 2 : i + 2 + len(name)].lower() == name:
            return i
        i += 2
