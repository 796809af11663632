"""Adding a policy file to the library and taking one out.

A user's file is size- and type-checked and parsed before anything is written; then it is
copied into the policies folder (never read in place later) and indexed on its own.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from qa.embedding.base import Embedder
from qa.errors import PolicyError
from qa.library.names import check_name, default_name, index_root, list_policies, policy_dir, source_of
from qa.read.documents import FILE_TYPES, SUFFIXES, parse_file_bytes
from qa.settings import Settings
from qa.store.build import index_policy
from qa.store.manifest import sha256_hex
from qa.store.records import Store
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

    Refuses (`PolicyError`) a bad name, file type or size, or a file that does not parse as a policy.
    """
    check_name(name)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise PolicyError(f"{path.name}: unsupported file type; give an {FILE_TYPES} file")
    try:
        size = path.stat().st_size
    except OSError as error:
        raise PolicyError(f"cannot read {path}: {error.strerror}") from None
    if size > MAX_POLICY_BYTES:
        raise PolicyError(f"{path.name} is {size:,} bytes; policies up to {MAX_POLICY_BYTES:,} bytes are accepted")
    if name == default_name(settings):
        raise PolicyError(f"{name!r} is the shipped policy; choose another name")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise PolicyError(f"cannot read {path}: {error.strerror}") from None
    return PolicyFile(path, name, data, parse_file_bytes(path, data))


def import_policy(checked: PolicyFile, settings: Settings) -> Settings:
    """Write a checked policy file's bytes into the library (atomically) and return its settings."""
    name, suffix = checked.name, checked.path.suffix.lower()
    target = policy_dir(settings) / f"{name}{suffix}"
    for other in SUFFIXES:  # one source per name
        stale = policy_dir(settings) / f"{name}{other}"
        if other != suffix and stale.exists():
            stale.unlink()
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{name}.", dir=target.parent)
    with os.fdopen(handle, "wb") as out:
        out.write(checked.data)
    os.replace(temporary, target)
    return replace(settings, policy_path=target, index_dir=index_root(settings) / name)


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
    shutil.rmtree(index_root(settings) / name, ignore_errors=True)


def add_policy(
    checked: PolicyFile, settings: Settings, embedder: Embedder, progress: Progress = no_progress
) -> tuple[Settings, Store]:
    """Copy a checked policy file into the library as `checked.name`, then index the policy the check parsed.

    Returns the policy's settings and its store. A build that fails takes the copied file out
    again, so no half-added policy is listed.
    """
    added = import_policy(checked, settings)
    try:
        store = index_policy(
            checked.policy, added, embedder, policy_sha256=sha256_hex(checked.data), progress=progress
        )
    except BaseException:
        added.policy_path.unlink(missing_ok=True)
        raise
    return added, store
