"""PDF policies: each sample PDF against the same policy in HTML or Markdown, and PDFs that cannot be read.

acme.pdf is acme.md typeset by bench/pdf_fixture.py (running header, "Page N of M" footer,
a hyphenated line end, two heading sizes, bullets, a page break); harborbank.pdf and
northwind.pdf are the HTML samples printed to PDF by Chromium (see bench/pdf_fixture.py).
"""

from __future__ import annotations

import io

import pytest
from pypdf import PdfWriter

from qa.errors import PolicyError
from qa.parse import load_policy, parse_file_bytes
from qa.read_pdf import Line, blocks_of, read_pdf
from tests.conftest import DATA

DOCS = DATA / "docs"


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


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"%PDF-1.4\n%broken", "is not a readable PDF"),
        (_pdf(text=False), "has no text to read"),
        (_pdf(text=True, password="secret"), "is password-protected"),
    ],
)
def test_pdfs_that_cannot_be_read_say_why(data, message):
    with pytest.raises(PolicyError, match=message):
        read_pdf(data, "upload.pdf")


def test_a_pdf_locked_only_against_changes_opens_without_a_password():
    blocks = read_pdf(_pdf(text=True, password="", owner="owner-only"), "locked.pdf").blocks
    assert blocks == read_pdf((DOCS / "acme.pdf").read_bytes()).blocks


def test_a_pdf_is_known_by_its_content_whatever_its_name():
    data = (DOCS / "acme.pdf").read_bytes()
    assert parse_file_bytes(DOCS / "acme.download", data).title == "Acme Cloud Privacy Policy"
