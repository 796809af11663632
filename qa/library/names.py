"""The policy library's names, and where each policy's file and index live.

Names are short slugs ("acme-cloud"). The shipped policy is the default; every other one
is a file `NAME.<suffix>` in the policies folder with its store in `<index root>/NAME/`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from qa.errors import PolicyError, QAError
from qa.read.documents import SUFFIXES
from qa.settings import SHIPPED_INDEX, SHIPPED_POLICY, Settings
from qa.store.build import PolicyFiles
from qa.store.manifest import read_manifest

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


def default_name(settings: Settings) -> str:
    """The default policy's name, made from its file's name: "alibaba-2015" for the shipped one."""
    return name_from_file(settings.policy_path.name)


def source_of(name: str, settings: Settings) -> Path | None:
    """The added policy file stored for `name`, whatever its suffix; None if there is none."""
    for suffix in SUFFIXES:
        path = settings.policies / f"{name}{suffix}"
        if path.is_file():
            return path
    return None


def locate(name: str | None, settings: Settings) -> PolicyFiles:
    """Where policy `name` (None: the default) lives: its file and its store's folder, named after it.
    `PolicyError` for a name the library does not hold."""
    if name is None or name == default_name(settings):
        name = default_name(settings)
        shipped = SHIPPED_INDEX if settings.policy_path.resolve() == SHIPPED_POLICY.resolve() else None
        return PolicyFiles(name, settings.policy_path, settings.indexes / name, shipped)
    source = source_of(check_name(name), settings)
    if source is None:
        raise no_such_policy(name, settings, f"add it with: policyqa index FILE --name {name}")
    return PolicyFiles(name, source, settings.indexes / name)


def no_such_policy(name: str, settings: Settings, advice: str) -> PolicyError:
    """The error for a policy name the library does not hold: `advice`, and the names it does hold."""
    known = ", ".join(info.name for info in list_policies(settings)) or "none"
    return PolicyError(f"no policy named {name!r}; {advice} (known: {known})")


def list_policies(settings: Settings) -> list[PolicyInfo]:
    """Every policy with a source file, the default first, then by name."""
    default = default_name(settings)
    added = sorted(
        {p.stem for p in settings.policies.glob("*") if p.suffix.lower() in SUFFIXES and _NAME.fullmatch(p.stem)}
        - {default}
    )
    return [_info(locate(name, settings)) for name in [default, *added]]


def _info(files: PolicyFiles) -> PolicyInfo:
    """What `policyqa list` shows of one policy, from the manifest of its store (or of the shipped one)."""
    for directory in filter(None, (files.index_dir, files.shipped_index)):
        try:
            manifest = read_manifest(directory)
            title, clauses = manifest["policy"]["title"], int(manifest["clauses"])
        except (QAError, KeyError, TypeError, ValueError):
            continue
        return PolicyInfo(files.name, title, clauses, files.source.name, True)
    return PolicyInfo(files.name, "", 0, files.source.name, False)
