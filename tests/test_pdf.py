"""PDF policies: each sample PDF against the same policy in HTML or Markdown, and PDFs that cannot be read.

acme.pdf is acme.md typeset by scripts/pdf_fixture.py (running header, "Page N of M" footer,
a hyphenated line end, two heading sizes, bullets, a page break); harborbank.pdf and
northwind.pdf are the HTML samples printed to PDF by Chromium (see scripts/pdf_fixture.py).
"""

from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfWriter

from qa.errors import PolicyError
from qa.read.documents import load_policy, parse_file_bytes
from qa.read.pdf import Line, blocks_of, drop_running_lines, metadata_title, pdf_lines, read_pdf
from tests.conftest import DATA

DOCS = DATA / "docs"
ACME = (DOCS / "acme.pdf").read_bytes()


def _clauses(name: str) -> list[tuple[str, str, str]]:
    return [(c.id, c.citation, c.text) for c in load_policy(DOCS / name).clauses]


SAME_POLICY = [("acme.pdf", "acme.md"), ("harborbank.pdf", "harborbank.html"), ("northwind.pdf", "northwind.html")]


@pytest.mark.parametrize(("pdf", "source"), SAME_POLICY)
def test_a_pdf_gives_the_clauses_of_the_same_policy_in_html_or_markdown(pdf, source):
    assert _clauses(pdf) == _clauses(source)
    from_pdf, reference = load_policy(DOCS / pdf), load_policy(DOCS / source)
    assert (from_pdf.title, from_pdf.updated) == (reference.title, reference.updated)
    assert [(s.letter, s.title) for s in from_pdf.sections] == [(s.letter, s.title) for s in reference.sections]


def test_running_headers_page_numbers_and_hyphens_are_undone():
    policy = load_policy(DOCS / "acme.pdf")
    assert "Page 1 of 2" not in policy.text and "Acme Cloud - Privacy Policy" not in policy.text
    assert policy.clause("D.p1").text.endswith("90 days after you close your account.")  # "ac-" / "count."
    assert policy.clause("A.p1").text == "We also collect:\nIP address\nBrowser type\nPages you visit"  # bullets
    assert policy.clause("A.1").citation == "§A.1 Information We Collect"


def test_an_address_keeps_its_lines_under_its_lead_in():
    policy = load_policy(DOCS / "harborbank.pdf")
    assert policy.clause("6.p1").text == (
        "Call us at 1-800-555-0199 or write to:\nHarbor Credit Union\nMember Privacy Office\n"
        "400 Dock Street, Portland, ME 04101."
    )


def test_type_sizes_make_heading_levels_and_gaps_make_paragraphs():
    rows = [
        (800, 20, "Acme Privacy Policy"),
        (760, 14, "1. Sharing"),
        (730, 10, "We share your name with couriers so that they can deliver the parcels you"),
        (718, 10, "order from us."),
        (690, 10, "We never sell your data."),
    ]
    blocks = blocks_of([Line(1, 72, y, size, False, text) for y, size, text in rows])
    assert [(b.level, b.text) for b in blocks] == [
        (1, "Acme Privacy Policy"),
        (2, "1. Sharing"),
        (0, "We share your name with couriers so that they can deliver the parcels you order from us."),
        (0, "We never sell your data."),
    ]


def test_lines_indented_from_the_body_are_list_items():
    paragraph = ["We keep a record of each order you place with us and of each payment you make so"] * 4
    rows = [(72, 700 - 14 * i, text) for i, text in enumerate(paragraph)]
    rows += [
        (72, 620, "We also collect:"),
        (90, 596, "IP address"),  # a browser draws the bullet as a shape, not as text
        (90, 582, "Browser type"),
    ]
    blocks = blocks_of([Line(1, x, y, 10, False, text) for x, y, text in rows])
    assert [(b.text, b.item) for b in blocks][1:] == [
        ("We also collect:", False),
        ("IP address", True),
        ("Browser type", True),
    ]


def _pdf(*, text: bool, password: str | None = None, owner: str | None = None) -> bytes:
    writer = PdfWriter()
    if text:
        writer.append(DOCS / "acme.pdf")
    else:
        writer.add_blank_page(width=595, height=842)
    if password is not None:
        writer.encrypt(password, owner, algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _raw_pdf(content: bytes, *, stream: bytes = b"", font: bytes = b"") -> bytes:
    """A one-page PDF written by hand: `content` drawn in Helvetica (/F1; `font`: more font entries) or
    Helvetica-Bold (/F2),
    `stream`: more entries of the content stream's dictionary."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R /F2 6 0 R >> >> >>",
        b"<< /Length %d %s >>\nstream\n" % (len(content), stream) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica %s >>" % font,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)


FILES = b"BT /F1 12 Tf 72 700 Td (We keep your \x01les for thirty days.) Tj ET"


def test_a_ligature_is_read_as_its_letters():
    ligature = b"/Encoding << /Type /Encoding /Differences [1 /fi] >>"  # code 1 draws the "ﬁ" glyph
    lines, _ = pdf_lines(_raw_pdf(FILES, font=ligature))
    assert [line.text for line in lines] == ["We keep your files for thirty days."]


def test_a_browser_s_print_marks_are_dropped_from_a_one_page_pdf():
    body = [
        Line(1, 30, 700, 12, False, "We collect your name and email address when you register for an account."),
        Line(1, 30, 686, 12, False, "We never sell them."),
    ]
    header = Line(1, 20, 800, 8, False, "11/29/26, 8:53 PM Acme Privacy")
    footer = Line(1, 20, 20, 8, False, "file:///home/me/acme.html 1/1")
    assert drop_running_lines([header, *body, footer]) == body


def test_a_metadata_title_must_read_like_one():
    assert metadata_title("Acme\nPrivacy  Policy") == "Acme Privacy Policy"
    for junk in ("Microsoft Word - policy.docx", "\x00\x01junk", "Untitled", "/Foo", "x" * 201, 42):
        assert metadata_title(junk) is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"%PDF-1.4\n%broken", "is not a PDF that can be read"),
        (_raw_pdf(FILES, stream=b"/Filter /Foo"), "is not a PDF that can be read"),  # pypdf: NotImplementedError
        (_raw_pdf(b"BT " + b"[" * 5000 + b" ET"), "is not a PDF that can be read"),  # pypdf: RecursionError
        (_pdf(text=False), "has no text to read"),
        (_pdf(text=True, password="secret"), "is password-protected"),
    ],
)
def test_pdfs_that_cannot_be_read_say_why(data, message):
    with pytest.raises(PolicyError, match=message):
        read_pdf(data, "upload.pdf")


def test_a_pdf_locked_only_against_changes_opens_without_a_password():
    blocks = read_pdf(_pdf(text=True, password="", owner="owner-only"), "locked.pdf").blocks
    assert blocks == read_pdf(ACME).blocks


def test_a_pdf_is_known_by_its_content_whatever_its_name():
    assert parse_file_bytes(DOCS / "acme.download", ACME).title == "Acme Cloud Privacy Policy"


EDITS = st.tuples(st.integers(0, len(ACME) - 1), st.integers(0, 40), st.binary(max_size=40))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(EDITS, min_size=1, max_size=8))
def test_a_damaged_pdf_gives_a_policy_or_one_clear_error(edits):
    data = bytearray(ACME)
    for position, cut, inserted in edits:  # cut some bytes at a random place and put others there
        data[position : position + cut] = inserted
    try:
        parse_file_bytes(DOCS / "damaged.pdf", bytes(data))
    except PolicyError as error:
        assert "\n" not in str(error)


def _drawn(*runs: tuple[float, float, str], bold: int = 0) -> bytes:
    """A content stream drawing each (x, y, text) as a text block of its own in 12-point Helvetica,
    the first `bold` of them in Helvetica-Bold."""
    return b" ".join(
        b"BT /F%d 12 Tf %.3f %.3f Td (%s) Tj ET" % (2 if n < bold else 1, x, y, text.encode())
        for n, (x, y, text) in enumerate(runs)
    )


def test_word_gaps_come_from_the_glyphs_widths():
    """A letter-spaced heading is drawn glyph by glyph, a justified line word by word without space
    characters: Helvetica's "D" is 0.722 type sizes wide, "If" 0.556 and a space 0.278."""
    content = _drawn(
        (72, 700, "D"), (72 + 0.722 * 12, 700, "ata Protection"),
        (72, 680, "If"), (72 + (0.556 + 0.278) * 12, 680, "you"), (72 + (0.556 + 0.278 + 1.5 + 0.278) * 12, 680, "ask"),
    )  # fmt: skip
    lines, _ = pdf_lines(_raw_pdf(content))
    assert [line.text for line in lines] == ["Data Protection", "If you ask"]


def test_a_table_is_read_row_by_row():
    """Cells drawn in columns, a cell wrapped over two lines: each row is one block, its cells in order."""
    content = _drawn(
        (72, 700, "Name"), (200, 700, "Purpose"), (400, 700, "Duration"),
        (72, 686, "_ga"), (200, 686, "Counts the visits"), (400, 686, "2 years"),
        (200, 672, "to each page"),
        (72, 658, "_gid"), (200, 658, "Tells visitors apart"), (400, 658, "24 hours"),
        (72, 600, "We keep no other cookies on your device, and you can remove these at any time."),
    )  # fmt: skip
    lines, _ = pdf_lines(_raw_pdf(content))
    assert [block.text for block in blocks_of(lines)] == [
        "Name; Purpose; Duration",
        "_ga; Counts the visits to each page; 2 years",
        "_gid; Tells visitors apart; 24 hours",
        "We keep no other cookies on your device, and you can remove these at any time.",
    ]


def test_a_table_s_bold_first_line_labels_its_cells():
    content = _drawn(
        (72, 700, "Cookie"), (200, 700, "What it is for"), (400, 700, "Kept for"),
        (72, 686, "_ga"), (200, 686, "Counts the visits"), (400, 686, "2 years"),
        (72, 672, "_gid"), (200, 672, "Tells visitors apart"), (400, 672, "24 hours"),
        bold=3,
    )  # fmt: skip
    lines, _ = pdf_lines(_raw_pdf(content))
    assert [block.text for block in blocks_of(lines)] == [
        "Cookie: _ga; What it is for: Counts the visits; Kept for: 2 years",
        "Cookie: _gid; What it is for: Tells visitors apart; Kept for: 24 hours",
    ]
