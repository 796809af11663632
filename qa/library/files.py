"""Adding a policy file to the library and taking one out.

A user's file is size- and type-checked and parsed before anything is written; then it is
copied into the policies folder (never read in place later) and indexed on its own.
"""

from __future__ import annotations

import os
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

from qa.embedding.base import Embedder
from qa.errors import PolicyError
from qa.library.names import PolicyInfo, check_name, default_name, list_policies, source_of
from qa.library.sandbox import parse_in_worker
from qa.read.documents import FILE_TYPES, SUFFIXES
from qa.settings import Settings
from qa.store.atomic import stage_file
from qa.store.build import PolicyFiles, build_store
from qa.store.manifest import sha256_hex
from qa.store.records import Store, is_ours, save_store
from qa.types import Policy, Progress, no_progress

MAX_POLICY_BYTES = 2_000_000


@dataclass(frozen=True)
class PolicyFile:
    """A user's policy file that passed `check_policy_file`: its bytes, read once, and the policy parsed from them."""

    path: Path
    name: str
    data: bytes
    policy: Policy


def check_policy_file(path: Path, name: str, settings: Settings) -> PolicyFile:
    """Read and parse the policy file at `path`, to be added as `name`.

    Refuses (`PolicyError`) a bad name, anything but a regular file of an accepted type and size, or
    a file that does not parse as a policy within the reading budget (`qa.library.sandbox`).
    """
    check_name(name)
    if name == default_name(settings):
        raise PolicyError(f"{name!r} is the shipped policy; choose another name")
    data = read_policy_bytes(path)
    policy = parse_in_worker(path.name, data, seconds=settings.parse_seconds, memory_mb=settings.parse_memory_mb)
    return PolicyFile(path, name, data, policy)


def read_policy_bytes(path: Path) -> bytes:
    """The bytes of a policy file: a regular file (not a folder, pipe or device) of an accepted type,
    at most `MAX_POLICY_BYTES`; `PolicyError` saying what is wrong otherwise."""
    try:
        info = path.stat()
    except OSError as error:
        raise PolicyError(f"cannot read {path.name}: {error.strerror}") from None
    if stat.S_ISDIR(info.st_mode):
        raise PolicyError(f"{path.name} is a folder; give a policy file ({FILE_TYPES})")
    if path.suffix.lower() not in SUFFIXES:
        raise PolicyError(f"{path.name}: unsupported file type; give an {FILE_TYPES} file")
    if not stat.S_ISREG(info.st_mode):
        raise PolicyError(f"{path.name} is not a regular file (a pipe or a device); give a saved policy file")
    if info.st_size > MAX_POLICY_BYTES:
        raise PolicyError(
            f"{path.name} is {info.st_size:,} bytes; policies up to {MAX_POLICY_BYTES:,} bytes are accepted"
        )
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_POLICY_BYTES + 1)
    except OSError as error:
        raise PolicyError(f"cannot read {path.name}: {error.strerror}") from None
    if len(data) > MAX_POLICY_BYTES:  # it grew while we looked
        raise PolicyError(f"{path.name} is over {MAX_POLICY_BYTES:,} bytes; policies up to that size are accepted")
    return data


@dataclass(frozen=True)
class Added:
    """A policy just added to the library: where it lives, its store, and what it replaced (if anything)."""

    files: PolicyFiles
    store: Store
    replaced: PolicyInfo | None = None


def add_policy(
    checked: PolicyFile,
    settings: Settings,
    embedder: Embedder,
    progress: Progress = no_progress,
    *,
    replace: bool = False,
) -> Added:
    """Add a checked policy file to the library as `checked.name` and index the policy the check parsed.

    A policy of that name already in the library is refused unless `replace`. Nothing is written
    until the store is built; then the file is staged beside its place, the store swapped in
    (`qa.store.records.save_store`), and the file renamed into place. Any failure or interruption
    before that last step leaves the previous policy, file and store, as it was.
    """
    name, suffix = checked.name, checked.path.suffix.lower()
    previous = source_of(name, settings)
    replaced = next((info for info in list_policies(settings) if info.name == name), None) if previous else None
    if replaced is not None and not replace:
        title = f" ({replaced.title})" if replaced.title else ""
        raise PolicyError(
            f"a policy named {name!r}{title} is already in the library; "
            "add --replace to replace it, or choose another --name"
        )
    files = PolicyFiles(name, settings.policies / f"{name}{suffix}", settings.indexes / name)
    store = build_store(checked.policy, embedder, policy_sha256=sha256_hex(checked.data), progress=progress)
    try:
        staged = stage_file(checked.data, files.source)
    except OSError as error:
        raise PolicyError(
            f"cannot write the policy into {files.source.parent} ({error.strerror}); "
            "check that folder's permissions and free space, or set POLICYQA_HOME to another folder"
        ) from None
    try:
        progress(0.95, "saving the index")
        save_store(store, files.index_dir)
        os.replace(staged, files.source)
    finally:
        staged.unlink(missing_ok=True)
    if previous is not None and previous != files.source:  # one source per name: the old suffix goes
        previous.unlink(missing_ok=True)
    progress(1.0, "done")
    return Added(files, store, replaced)


def remove_policy(name: str, settings: Settings) -> None:
    """Take an added policy out of the library: its file, then its index. The shipped one stays."""
    if name == default_name(settings):
        raise PolicyError(f"{name!r} is the shipped policy; it cannot be removed")
    source = source_of(check_name(name), settings)
    if source is None:
        known = ", ".join(info.name for info in list_policies(settings)[1:]) or "none"
        raise PolicyError(f"no added policy named {name!r} (added: {known}); see: policyqa list")
    try:
        source.unlink()
    except OSError as error:
        raise PolicyError(f"cannot delete {source}: {error.strerror}; check its permissions and try again") from None
    # subtle: the file goes first, so a policy whose index could not be deleted is no longer listed.
    index_dir = settings.indexes / name
    if is_ours(index_dir):
        shutil.rmtree(index_dir, ignore_errors=True)
