"""Write tests/data/docs/acme.pdf: tests/data/docs/acme.md typeset as a two-page PDF.

    .venv/bin/pip install fpdf2   # not a project dependency: the PDF is shipped
    .venv/bin/python scripts/pdf_fixture.py

The PDF holds what makes real policy PDFs awkward to read back: a running header and a
"Page N of M" footer on every page, paragraphs wrapped over several lines, a word hyphenated
at a line end, bold headings at two sizes, a bold lead-in inside a numbered clause, a bullet
list and a section that starts on the second page. tests/test_pdf.py checks that it parses
to the same sections and clauses as the Markdown file.

The other two sample PDFs are HTML samples printed by Debian's chromium, as a browser's
"Save as PDF" makes them (for NAME in harborbank northwind):

    chromium --headless --no-sandbox --disable-gpu --no-pdf-header-footer \
        --print-to-pdf=tests/data/docs/NAME.pdf tests/data/docs/NAME.html
"""

from __future__ import annotations

import argparse
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

TARGET = Path(__file__).resolve().parent.parent / "tests" / "data" / "docs" / "acme.pdf"
# Debian's fonts-dejavu-core: an embedded Unicode font, as most policy PDFs have (and a "•" for bullets).
FONTS = Path("/usr/share/fonts/truetype/dejavu")
WIDTH = 150  # mm of text per line: paragraphs wrap
# (style, text): "title", "h2", "p", "item" (a bullet) or "clause" ((lead-in, rest)); "page" starts page 2.
CONTENT: list[tuple[str, Any]] = [
    ("title", "Acme Cloud Privacy Policy"),
    ("p", "Last updated: May 1, 2024"),
    ("p", 'Acme Cloud ("Acme", "we", "us") provides file storage. '
          "This policy explains how we handle your information."),
    ("h2", "A. Information We Collect"),
    ("clause", ("1. Account data.",
                'When you sign up we collect your name, email address and a password hash ("Account Data").')),
    ("clause", ("2. Files.", "We store the files you upload. We do not read them except to scan for malware.")),
    ("p", "We also collect:"),
    ("item", "IP address"),
    ("item", "Browser type"),
    ("item", "Pages you visit"),
    ("h2", "B. How We Use Information"),
    ("p", "We use Account Data to run your account and to send service emails. See section A above."),
    ("page", None),
    ("h2", "C. Sharing"),
    ("p", "We share Account Data with our payment processor and, when the law requires it, with law enforcement. "
          "We do not sell your information."),
    ("h2", "D. Data Retention"),
    # Typeset by hand so that "account" breaks as "ac-" / "count." at a line end.
    ("lines", ("We keep your files until you delete them, and Account Data for 90 days after you close your ac-",
               "count.")),
    ("h2", "E. Contact"),
    ("p", "Questions? Email privacy@acme.example or write to Acme Cloud, 1 Main Street, Springfield."),
]  # fmt: skip


def main() -> int:
    from fpdf import FPDF

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=TARGET)
    args = parser.parse_args()

    class Document(FPDF):  # type: ignore[misc]
        def header(self) -> None:
            self.set_font("DejaVu", "I", 8)
            self.cell(0, 8, "Acme Cloud - Privacy Policy", align="R")
            self.ln(12)

        def footer(self) -> None:
            self.set_y(-15)
            self.set_font("DejaVu", "", 8)
            self.cell(0, 10, f"Page {self.page_no()} of {{nb}}", align="C")

    pdf = Document(format="A4")
    for style, suffix in (("", ""), ("B", "-Bold"), ("I", "-Oblique")):
        pdf.add_font("DejaVu", style, str(FONTS / f"DejaVuSans{suffix}.ttf"))
    pdf.set_creation_date(datetime(2024, 5, 1, tzinfo=timezone.utc))  # the same bytes on every run
    pdf.set_margins(30, 20, 30)
    pdf.add_page()
    for style, text in CONTENT:
        if style == "page":
            pdf.add_page()
        elif style == "title":
            pdf.set_font("DejaVu", "B", 18)
            pdf.multi_cell(WIDTH, 10, text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(4)
        elif style == "h2":
            pdf.ln(3)
            pdf.set_font("DejaVu", "B", 13)
            pdf.multi_cell(WIDTH, 8, text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
        elif style == "clause":
            pdf.set_font("DejaVu", "", 10)
            lead, rest = text
            pdf.multi_cell(WIDTH, 5, f"**{lead}** {rest}", markdown=True, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3)
        elif style == "item":
            pdf.set_font("DejaVu", "", 10)
            pdf.set_x(36)
            pdf.multi_cell(WIDTH - 6, 5, f"\u2022 {text}", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
        elif style == "lines":
            pdf.set_font("DejaVu", "", 10)
            for line in text:
                pdf.cell(WIDTH, 5, line, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3)
        else:
            pdf.set_font("DejaVu", "", 10)
            pdf.multi_cell(WIDTH, 5, text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3)
    pdf.output(str(args.out))
    print(f"wrote {args.out} ({args.out.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
