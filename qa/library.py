"""Several policies side by side: each a source file under `policies/` and a store
under `index/<name>/`. The shipped Alibaba policy is the default.

Names are short slugs ("acme-cloud"); a policy file given by a user is size-
and type-checked, copied into the policies folder (never read in place later),
and indexed on its own.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from qa.errors import PolicyError
from qa.parse import FILE_TYPES, SUFFIXES, parse_file_bytes
from qa.settings import Settings
from qa.types import Policy

_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
MAX_POLICY_BYTES = 2_000_000


@dataclass(frozen=True)
class PolicyInfo:
    """One policy of the library, as `policyqa list` shows it."""

    name: str
    title: str
    clauses: int
    source: str
    indexed: bool


def check_name(name: str) -> str:
    """A valid policy name, or `PolicyError` saying what names look like."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise PolicyError(
            f"policy name {name!r} is not allowed; use 1-63 lower-case letters, digits and dashes, e.g. acme-cloud"
        )
    return name


def name_from_file(filename: str) -> str:
    """A policy name made from a file's name.

    >>> name_from_file("Acme Cloud Privacy (2024).html")
    'acme-cloud-privacy-2024'
    """
    slug = re.sub(r"[^a-z0-9]+", "-", Path(filename).stem.lower()).strip("-")[:63].rstrip("-")
    return slug or "policy"


def policy_dir(settings: Settings) -> Path:
    return settings.policy_path.parent


def index_root(settings: Settings) -> Path:
    return settings.index_dir.parent


def default_name(settings: Settings) -> str:
    return settings.index_dir.name


def source_of(name: str, settings: Settings) -> Path | None:
    """The policy file stored for `name`, whatever its suffix; None if there is none."""
    for suffix in SUFFIXES:
        path = policy_dir(settings) / f"{name}{suffix}"
        if path.is_file():
            return path
    return None


def settings_for(name: str | None, settings: Settings) -> Settings:
    """`settings` pointed at policy `name` (None: the default policy)."""
    if name is None or name == default_name(settings):
        return settings
    source = source_of(check_name(name), settings)
    if source is None:
        raise no_such_policy(name, settings, f"add it with: policyqa index FILE --name {name}")
    return replace(settings, policy_path=source, index_dir=index_root(settings) / name)


def no_such_policy(name: str, settings: Settings, advice: str) -> PolicyError:
    """The error for a policy name the library does not hold: `advice`, and the names it does hold."""
    known = ", ".join(info.name for info in list_policies(settings)) or "none"
    return PolicyError(f"no policy named {name!r}; {advice} (known: {known})")


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


def list_policies(settings: Settings) -> list[PolicyInfo]:
    """Every policy with a source file, the default first, then by name."""
    names = {default_name(settings)}
    names |= {
        p.stem for p in policy_dir(settings).glob("*") if p.suffix.lower() in SUFFIXES and _NAME.fullmatch(p.stem)
    }
    infos = []
    for name in sorted(names, key=lambda n: (n != default_name(settings), n)):
        source = settings.policy_path if name == default_name(settings) else source_of(name, settings)
        manifest_path = index_root(settings) / name / "manifest.json"
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
            title, clauses = manifest["policy"]["title"], int(manifest["clauses"])
        except (OSError, ValueError, KeyError, TypeError):
            title, clauses = "", 0
        indexed = manifest_path.exists()
        infos.append(PolicyInfo(name, title, clauses, source.name if source else "", indexed))
    return infos
