"""The project as a user gets it: a built wheel answers from any folder, and building or
rebuilding an index never writes into the checkout."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from qa.settings import ROOT

SEED = "Who can see my bank details?"


def checkout_files() -> dict[str, str]:
    """Every file of the checkout that git tracks, with its SHA-256."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    names = [name for name in listed.decode().split("\0") if name]
    return {name: hashlib.sha256((ROOT / name).read_bytes()).hexdigest() for name in names if (ROOT / name).is_file()}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return next(out.glob("policyqa-*.whl"))


def test_the_wheel_carries_its_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {
        "qa/data/english-words.txt",
        "qa/data/query-adapter.npy",
        "qa/shipped/policies/alibaba-2015.html",
        "qa/shipped/index/alibaba-2015/manifest.json",
        "qa/web/static/page.css",
    } <= names
    assert any(name.endswith("licenses/LICENSE") for name in names) and any(name.endswith("NOTICE") for name in names)
    assert not any(name.startswith(("tests/", "eval/", "bench/")) for name in names)


@pytest.mark.model
def test_the_installed_wheel_answers_from_another_folder(wheel, tmp_path):
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site), str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site)}  # ahead of the checkout's editable install
    where = subprocess.run(
        [sys.executable, "-c", "import qa, qa.settings as s; print(qa.__file__); print(s.SHIPPED_POLICY)"],
        cwd=elsewhere, env=env, capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    assert all(path.startswith(str(site)) for path in where), where
    result = subprocess.run(
        [sys.executable, "-m", "qa", "ask", SEED, "-k", "1"], cwd=elsewhere, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "1. §C.6 Disclosure of Personal Data" in result.stdout
    assert "building it now" not in result.stderr  # the shipped index inside the package was used


def git_status() -> str:
    return subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout


@pytest.mark.model
def test_policyqa_index_never_writes_into_the_checkout(isolated_home):
    """`git status` is as it was after a rebuild of the shipped policy's index, on any machine."""
    before, status = checkout_files(), git_status()
    result = subprocess.run([sys.executable, "-m", "qa", "index"], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert f"into {isolated_home / 'index' / 'alibaba-2015'}" in result.stdout
    assert (checkout_files(), git_status()) == (before, status)
