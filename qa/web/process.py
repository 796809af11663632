"""Start `policyqa serve` on a free 127.0.0.1 port and wait until it answers: for the bench scripts and the tests.

One copy of the start-and-wait loop, used by bench/run.py, bench/load.py and the browser and network tests:
    with running_app({**os.environ, "POLICYQA_HOME": "..."}, timeout=180) as app:
        httpx.get(app.url)
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import IO

import httpx

STOP_TIMEOUT_S = 20


class AppDidNotStart(RuntimeError):
    """The app exited before it answered, or did not answer in time; the message says which."""


@dataclass(frozen=True)
class RunningApp:
    process: subprocess.Popen[bytes]
    url: str  # "http://127.0.0.1:PORT/"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_app(
    env: dict[str, str], *, timeout: float, log: IO[bytes] | None = None, poll: float = 0.5
) -> Iterator[RunningApp]:
    """`policyqa serve` as `make run` starts it (`python -m qa serve`), with `env`, on a free 127.0.0.1 port,
    until the block ends.

    Its stdout and stderr go to `log` (an open binary file; a temporary one if None).
    subtle: a file, not a pipe: a pipe nobody reads would block the app once full.
    Yields once the page answers (checked every `poll` s); raises AppDidNotStart, with the
    end of its output, if the app exits first or does not answer within `timeout` s.
    """
    port = free_port()
    env = {**env, "POLICYQA_HOST": "127.0.0.1"}
    env.pop("POLICYQA_PORT", None)
    with ExitStack() as stack:
        output = log if log is not None else stack.enter_context(tempfile.TemporaryFile())
        process = subprocess.Popen(
            [sys.executable, "-m", "qa", "serve", "--port", str(port), "--no-browser"],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        app = RunningApp(process, f"http://127.0.0.1:{port}/")
        try:
            wait_until_answering(app, output, timeout=timeout, poll=poll)
            yield app
        finally:
            process.terminate()
            try:
                process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_until_answering(app: RunningApp, log: IO[bytes], *, timeout: float, poll: float) -> None:
    """Return once GET app.url is 200; AppDidNotStart if the process exits or `timeout` s pass first."""
    deadline = time.monotonic() + timeout
    while True:
        if app.process.poll() is not None:
            log.seek(0)
            tail = log.read()[-2000:].decode(errors="replace")
            raise AppDidNotStart(f"the app exited with {app.process.returncode}:\n{tail}")
        try:
            if httpx.get(app.url, timeout=2, trust_env=False).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise AppDidNotStart(f"the app did not answer within {timeout:.0f} s")
        time.sleep(poll)
