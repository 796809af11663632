"""A user's policy file is read in a child process within a time and memory budget (qa.library.sandbox)."""

from __future__ import annotations

import os
import sys
from dataclasses import replace

import pytest

import qa.library.sandbox
import qa.read.documents
from qa.errors import PolicyError
from qa.library.files import check_policy_file
from qa.library.sandbox import parse_in_worker
from tests.conftest import DATA

HOSTILE = DATA / "hostile"


def test_the_file_is_parsed_in_another_process(fake_settings, monkeypatch):
    def not_here(*args, **options):
        raise AssertionError("parsed in the serving process")

    monkeypatch.setattr(qa.read.documents, "parse_file_bytes", not_here)
    checked = check_policy_file(DATA / "docs" / "acme.md", "acme", fake_settings)
    assert checked.policy.title == "Acme Cloud Privacy Policy" and len(checked.policy.clauses) == 8


def script(tmp_path, code: str):
    """A stand-in child process running `code`, for `qa.library.sandbox.worker_command`."""
    path = tmp_path / "child.py"
    path.write_text(code, encoding="utf-8")
    return lambda name, memory_mb: [sys.executable, str(path), str(memory_mb)]


def test_a_file_that_takes_too_long_is_refused_and_its_reader_killed(tmp_path, monkeypatch):
    pid_file = tmp_path / "pid"
    code = f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(600)"
    monkeypatch.setattr(qa.library.sandbox, "worker_command", script(tmp_path, code))
    with pytest.raises(PolicyError, match=r"slow.pdf could not be read within 1 s; .* try again"):
        parse_in_worker("slow.pdf", b"%PDF-", seconds=1, memory_mb=256)
    pid = int(pid_file.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # killed and reaped: no process left behind


def test_a_reader_that_runs_out_of_memory_is_refused(tmp_path, monkeypatch):
    code = "import resource, sys; m = int(sys.argv[1]) << 20\n"
    code += "resource.setrlimit(resource.RLIMIT_AS, (m, m)); b'x' * (2 * m)"
    monkeypatch.setattr(qa.library.sandbox, "worker_command", script(tmp_path, code))
    with pytest.raises(PolicyError, match="big.md could not be read .it needs more than 256 MB of memory to read."):
        parse_in_worker("big.md", b"# hi", seconds=30, memory_mb=256)


def test_the_readers_refusal_comes_back_as_one_line():
    with pytest.raises(PolicyError, match="^no policy text found"):
        parse_in_worker("empty.html", b"<html><body><nav>Home</nav></body></html>", seconds=30, memory_mb=1536)


@pytest.mark.parametrize("name", ["long-heading-line.md", "comment-run.txt", "bracket-run.md", "shared-stream.pdf"])
def test_hostile_files_are_read_or_refused_within_the_budget(fake_settings, name):
    """Files that once froze the server: each is read, or refused in one line, by the sandbox."""
    settings = replace(fake_settings, parse_seconds=20)
    try:
        checked = check_policy_file(HOSTILE / name, "hostile", settings)
    except PolicyError as error:
        assert "\n" not in str(error) and name in str(error) or "no policy text" in str(error)
    else:
        assert checked.policy.clauses


def test_pipes_and_devices_are_refused_at_once(tmp_path, fake_settings):
    fifo = tmp_path / "policy.txt"
    os.mkfifo(fifo)  # reading it would wait for a writer forever
    with pytest.raises(PolicyError, match="policy.txt is not a regular file"):
        check_policy_file(fifo, "fifo", fake_settings)
    zero = tmp_path / "zero.txt"
    zero.symlink_to("/dev/zero")  # reading it would never end
    with pytest.raises(PolicyError, match="zero.txt is not a regular file"):
        check_policy_file(zero, "zero", fake_settings)
