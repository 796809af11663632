"""Write tests/data/hostile/: small policy files built to be slow or huge to read.

    .venv/bin/python scripts/hostile_fixtures.py

Each reproduces an upload that once froze the app (the tests and bench/hostile.py read them):
    long-heading-line.md  a 4 KB Markdown line that starts like a heading (a cubic regex took 97 s)
    comment-run.txt       96 KB of "<!--" (an unclosed-comment pattern, 8.8 s)
    bracket-run.md        16 KB of "[" (a link pattern)
    shared-stream.pdf     10 pages that all draw one 5 MB compressed content stream (17 KB on disk;
                          reading its text took 264 s)
"""

from __future__ import annotations

import sys
import zlib
from pathlib import Path

TARGET = Path(__file__).resolve().parent.parent / "tests" / "data" / "hostile"
LEAD = b"We collect your name and email address when you register for an account.\n\n"


def shared_stream_pdf(pages: int = 10, repeats: int = 130_000) -> bytes:
    """A PDF whose `pages` pages share one content stream of `repeats` tiny text-drawing operations."""
    content = zlib.compress(b"BT /F1 9 Tf 1 0 0 1 72 720 Tm (a) Tj ET\n" * repeats, 9)
    kids = " ".join(f"{4 + i} 0 R" for i in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode(),
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    font = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
    for _ in range(pages):
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R "
            f"/Resources << /Font << /F1 {font} >> >> >>".encode()
        )
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


FIXTURES = {
    "long-heading-line.md": LEAD + b"# a" + b" " * 4000 + b"x\n",
    "comment-run.txt": LEAD + b"<!--" * 24_000,
    "bracket-run.md": LEAD + b"[" * 16_000,
    "shared-stream.pdf": shared_stream_pdf(),
}


def main() -> int:
    TARGET.mkdir(parents=True, exist_ok=True)
    for name, data in FIXTURES.items():
        (TARGET / name).write_bytes(data)
        print(f"wrote {TARGET / name} ({len(data):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
