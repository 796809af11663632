"""The policies one process serves (the web app): each loaded once, sharing one embedder.

`Catalog.get(name)` loads a policy of the library on first use; `Catalog.add`
brings in a new policy file (checked, copied, indexed with progress) and makes
it available to every session at once; `Catalog.remove` takes an added one out.
"""

from __future__ import annotations

import threading
from pathlib import Path

from qa.answer import PolicyQA
from qa.embedding.base import Embedder
from qa.embedding.factory import create_embedder
from qa.library.files import add_policy, check_policy_file, remove_policy
from qa.library.names import PolicyInfo, check_name, default_name, list_policies, no_such_policy, source_of
from qa.settings import Settings
from qa.types import Progress, no_progress


class Catalog:
    """Loaded policies by name; safe to share between threads."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self.embedder = embedder if embedder is not None else create_embedder(settings)
        self.default = default_name(settings)
        self._loaded: dict[str, PolicyQA] = {}
        # One load or build at a time; answering from a loaded policy never waits for it.
        self._lock = threading.Lock()

    def policies(self) -> list[PolicyInfo]:
        """Every policy of the library, the default first (`qa.library.list_policies`)."""
        return list_policies(self.settings)

    def get(self, name: str | None = None) -> PolicyQA:
        """Policy `name` (None: the default), loaded (and indexed if need be) on first use."""
        name = name or self.default
        if name != self.default and source_of(check_name(name), self.settings) is None:
            # subtle: also when `policyqa remove` took it out while this process had it loaded.
            self._loaded.pop(name, None)
            raise no_such_policy(name, self.settings, "it may have been removed; choose another")
        loaded = self._loaded.get(name)
        if loaded is not None:
            return loaded
        with self._lock:
            if name not in self._loaded:
                self._loaded[name] = PolicyQA.load(name, settings=self.settings, embedder=self.embedder)
            return self._loaded[name]

    def add(self, path: Path, name: str, progress: Progress = no_progress) -> PolicyQA:
        """Add the policy file at `path` as `name` (replacing an earlier one of that name) and index it."""
        progress(0.0, f"checking {path.name}")
        checked = check_policy_file(path, name, self.settings)
        with self._lock:
            self._loaded.pop(name, None)
            added = add_policy(checked, self.settings, self.embedder, progress, replace=True)
            self._loaded[name] = PolicyQA.over(added.store, self.embedder, self.settings)
            return self._loaded[name]

    def remove(self, name: str) -> None:
        """Remove added policy `name` from the library and from memory (`qa.library.remove_policy`)."""
        with self._lock:
            remove_policy(name, self.settings)
            self._loaded.pop(name, None)
