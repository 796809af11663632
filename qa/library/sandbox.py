"""Reading a user's policy file in a child process, within a time and memory budget.

A document is untrusted input: a hostile one may be slow to parse (a PDF whose pages share one huge
compressed stream) or large when decompressed. Parsing it in the serving process would hold
Python's interpreter lock and stall every user. So the file's bytes go to a child process
(`python -m qa.library.parse_worker`) that caps its own memory, parses, and writes the `Policy`
back as JSON; the parent kills it when the budget runs out and refuses the file in one line.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from qa.errors import PolicyError
from qa.types import Policy

# What the child writes when the file is refused: {"error": "<one line>"}; else {"policy": {...}}.
WORKER = "qa.library.parse_worker"


def worker_command(name: str, memory_mb: int) -> list[str]:
    """The command line of the child process that reads a file called `name`."""
    return [sys.executable, "-m", WORKER, Path(name).name, str(memory_mb)]


def parse_in_worker(name: str, data: bytes, *, seconds: float, memory_mb: int) -> Policy:
    """The policy in `data`, the bytes of a file called `name` (its suffix gives the format), parsed
    in a child process that may take at most `seconds` and `memory_mb` of memory; `PolicyError`
    saying why otherwise."""
    pipe = subprocess.PIPE
    with subprocess.Popen(worker_command(name, memory_mb), stdin=pipe, stdout=pipe, stderr=pipe) as child:
        try:
            out, err = child.communicate(data, timeout=seconds)
        except subprocess.TimeoutExpired:
            child.kill()
            child.communicate()
            raise PolicyError(
                f"{Path(name).name} could not be read within {seconds:.0f} s; it may be damaged or built to be "
                "slow to read: save it again (as PDF, HTML or text) and try again"
            ) from None
    try:
        reply = json.loads(out)
        if "error" in reply:
            raise PolicyError(str(reply["error"]))
        return Policy.from_json(reply["policy"])
    except (ValueError, KeyError, TypeError):
        tail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
        memory = "MemoryError" in tail[0] or child.returncode in (-9, 137)
        why = f"it needs more than {memory_mb:,} MB of memory to read" if memory else "the reader stopped"
        raise PolicyError(f"{Path(name).name} could not be read ({why}); save it again and try again") from None
