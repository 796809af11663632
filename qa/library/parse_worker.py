"""The child process of `qa.library.sandbox`: bytes on stdin -> one line of JSON on stdout.

    python -m qa.library.parse_worker NAME MEMORY_MB < file

Caps its own address space at MEMORY_MB first, so a file that expands without end fails here, not
in the server. Writes {"policy": ...} (`Policy.to_json`) or {"error": "<one line>"}.
"""

from __future__ import annotations

import json
import resource
import sys
from pathlib import Path

from qa.errors import QAError
from qa.read.documents import parse_file_bytes


def main(argv: list[str]) -> int:
    name, memory_mb = argv[0], int(argv[1])
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    data = sys.stdin.buffer.read()
    try:
        reply: dict[str, object] = {"policy": parse_file_bytes(Path(name), data).to_json()}
    except QAError as error:
        reply = {"error": str(error)}
    sys.stdout.write(json.dumps(reply, ensure_ascii=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
