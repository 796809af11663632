"""Every reader takes time linear in its input: a hostile piece repeated n and 4n times must not take
much more than 4 times as long (a quadratic reader takes 16 times, a cubic one 64). Timings on a
shared machine are noisy, so each is the least of a few runs and only their ratio is judged, with
slack; the pieces come from real attacks (a 4 KB upload froze the server) and from hypothesis."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qa.errors import PolicyError
from qa.read.documents import parse_file_bytes, parse_policy
from qa.read.pdf import Line, blocks_of
from qa.read.sentences import split_text
from qa.read.terms import find_definitions

PROSE = "We collect your name and email address when you register for an account.\n\n"
# Linear time gives a ratio of 4; quadratic 16. Above this the reader is taken for super-linear.
MAX_RATIO = 9.0
RUNS = 3
# Each input is at least this many characters for n, so a run lasts long enough to be timed.
SIZE = 8_000

HOSTILE = {
    "markdown": ["# a" + " " * 400 + "x\n", "[", "![", "[a](", "*a", "_a", "\\", "[a]: ", "{", "{:", "<a ", "|a\n",
                 "a|b\n-|-\n", "- ", "> ", "`", "<!--", "**", "#" * 7, "[^", "a\n: "],
    "html": ["<a ", "<!--", "<![", "</", "<", "<a b='", "&#", "&#9999999999", "<ol start=\"²\"><li>x", "<li>",
             "<div role=heading aria-level=9999999>", "<table><tr><td>", "<p><br>", "<h2>#", "<b>", "<td><p>a"],
    "text": ["<!--", "[", "<p>", "<li>a\n", "- - - x\n", "* ", "a\n", "1. ", "&#", "[top]\n", "<a ", "<"],
}  # fmt: skip


def _least_time(run: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(RUNS):
        start = time.perf_counter()
        with contextlib.suppress(PolicyError):  # one clear error is an answer too
            run()
        best = min(best, time.perf_counter() - start)
    return best


def assert_linear(read: Callable[[str], object], piece: str) -> None:
    """`read` of `piece` repeated 4n times takes at most `MAX_RATIO` times as long as of it n times."""
    n = max(1, SIZE // len(piece))
    small = _least_time(lambda: read(piece * n))
    large = _least_time(lambda: read(piece * (4 * n)))
    assert large <= MAX_RATIO * max(small, 1e-3), f"{piece[:20]!r}: {small:.3f}s for n, {large:.3f}s for 4n"


def _reader(suffix: str) -> Callable[[str], object]:
    return lambda text: parse_file_bytes(Path(f"policy{suffix}"), (PROSE + text).encode())


@pytest.mark.parametrize(("kind", "suffix"), [("markdown", ".md"), ("html", ".html"), ("text", ".txt")])
def test_known_hostile_pieces_take_linear_time(kind, suffix):
    for piece in HOSTILE[kind]:
        assert_linear(_reader(suffix), piece)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from([".md", ".html", ".txt"]),
    st.text(st.sampled_from("<>!-#[]()*_`|{}:&;/\\ \n\"'=a1."), min_size=1, max_size=6),
)
def test_any_small_piece_repeated_takes_linear_time(suffix, piece):
    assert_linear(_reader(suffix), piece)


def test_the_upload_that_froze_the_server_parses_at_once():
    data = PROSE.encode() + b"# a" + b" " * 4000 + b"x\n"
    assert len(parse_file_bytes(Path("upload.md"), data).clauses) == 1
    for data, name in [(b"<!--" * 24_000, "a.txt"), (b"[" * 16_000, "a.md")]:
        assert parse_file_bytes(Path(name), PROSE.encode() + data).clauses


@pytest.mark.parametrize(
    "attribute", ['<ol start="²"><li>', '<div role="heading" aria-level="²">', f'<ol start="{"9" * 5000}"><li>']
)
def test_odd_numbers_in_attributes_parse(attribute):
    policy = parse_policy(f"<p>{PROSE}</p>{attribute}We keep your files until you delete them.</li></ol>")
    assert policy.clauses[0].text.startswith("We collect")


@pytest.mark.parametrize("piece", ["a. ", "e.g. ", ". ", "Mr. A ", "1.", "x"])
def test_the_sentence_splitter_takes_linear_time(piece):
    assert_linear(split_text, piece)


def test_a_2_mb_paragraph_is_split_and_read():
    text = "We collect your name and email address when you register for an account " * 28_000
    assert len(text) > 2_000_000
    assert len(split_text(text)) == 1
    assert len(parse_file_bytes(Path("long.txt"), text.encode()).clauses) == 1


@pytest.mark.parametrize("piece", ['"A" or ', '("A") ', '"A B" means ', "including ", "A.1 to A.2 "])
def test_finding_defined_terms_takes_linear_time(piece):
    assert_linear(lambda text: find_definitions(parse_policy(f"<p>{PROSE}{text}</p>")), piece)


@pytest.mark.parametrize("text", ["infor-", "We collect data and", "• Name", "1. A"])
def test_the_pdf_reader_takes_linear_time_in_its_lines(text):
    def read(lines: str) -> object:
        count = len(lines) // len(text)
        return blocks_of([Line(1 + i // 50, 72, 800 - (i % 50) * 14, 10, False, text) for i in range(count)])

    assert_linear(read, text)
