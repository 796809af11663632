"""The policy library's names, and where each policy's file and index live.

Names are short slugs ("acme-cloud"). The shipped policy is the default; every other one
is a file `NAME.<suffix>` in the policies folder with its store in `<index root>/NAME/`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

from qa.errors import PolicyError, QAError
from qa.read.documents import SUFFIXES
from qa.settings import Settings
from qa.store.manifest import MANIFEST, read_manifest

_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")


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


def list_policies(settings: Settings) -> list[PolicyInfo]:
    """Every policy with a source file, the default first, then by name."""
    names = {default_name(settings)}
    names |= {
        p.stem for p in policy_dir(settings).glob("*") if p.suffix.lower() in SUFFIXES and _NAME.fullmatch(p.stem)
    }
    infos = []
    for name in sorted(names, key=lambda n: (n != default_name(settings), n)):
        source = settings.policy_path if name == default_name(settings) else source_of(name, settings)
        directory = index_root(settings) / name
        try:
            manifest = read_manifest(directory)
            title, clauses, indexed = manifest["policy"]["title"], int(manifest["clauses"]), True
        except (QAError, KeyError, TypeError, ValueError):
            title, clauses, indexed = "", 0, (directory / MANIFEST).exists()
        infos.append(PolicyInfo(name, title, clauses, source.name if source else "", indexed))
    return infos
