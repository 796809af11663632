"""The policies one process serves (the web app), sharing one embedder; safe to share between threads.

No question waits for another user's work: `get` (the question path) returns a loaded policy whose
files have not changed since it was loaded, and otherwise starts loading it on the loader thread and
raises `PolicyLoading` ("ask again in a moment"). `load` waits for a policy (choosing one, in its own
queue); `add` brings in a new policy file (read in a sandbox, indexed with progress) and `remove`
takes one out. Loaded policies are kept in a bounded cache, the default always; the least recently
used other one is dropped first. The lock guards the cache only and is never held during a load.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from qa.answer import PolicyQA
from qa.embedding.base import Embedder
from qa.embedding.factory import create_embedder, create_index_embedder
from qa.errors import QAError
from qa.library.files import add_policy, check_policy_file, remove_policy
from qa.library.names import PolicyInfo, default_name, list_policies, locate, no_such_policy
from qa.settings import Settings
from qa.store.build import PolicyFiles
from qa.types import Progress, no_progress

# The policies' files as they were when loaded: (size, modification time) of the policy file and of
# the store's manifest. A change means the policy was replaced or rebuilt: it is loaded again.
Stamp = tuple[tuple[int, int] | None, ...]


class PolicyLoading(QAError):
    """The policy asked about is being loaded (or reloaded after a change); ask again in a moment."""


@dataclass(frozen=True)
class _Loaded:
    qa: PolicyQA
    stamp: Stamp


def _stat(path: Path | None) -> tuple[int, int] | None:
    try:
        info = path.stat() if path is not None else None
    except OSError:
        return None
    return None if info is None else (info.st_size, info.st_mtime_ns)


def stamp_of(files: PolicyFiles) -> Stamp:
    """The identity of a policy's files now (see `Stamp`)."""
    manifests = [d / "manifest.json" for d in (files.index_dir, files.shipped_index) if d is not None]
    return (_stat(files.source), *(_stat(m) for m in manifests))


class Catalog:
    """Loaded policies by name (see the module docstring)."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self.embedder = embedder if embedder is not None else create_embedder(settings)
        # Builds an added policy's store on every core; the query embedder itself when one was given.
        self._index_embedder: Embedder | None = embedder
        self.default = default_name(settings)
        self._loaded: OrderedDict[str, _Loaded] = OrderedDict()
        self._loading: dict[str, Future[PolicyQA]] = {}
        self._lock = threading.Lock()
        self._loader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="policyqa-loader")

    def policies(self) -> list[PolicyInfo]:
        """Every policy of the library, the default first (`qa.library.names.list_policies`)."""
        return list_policies(self.settings)

    def _files(self, name: str | None) -> tuple[str, PolicyFiles]:
        name = name or self.default
        try:
            return name, locate(name, self.settings)
        except QAError:
            with self._lock:  # subtle: also when `policyqa remove` took it out while it was loaded here
                self._loaded.pop(name, None)
            raise no_such_policy(name, self.settings, "it may have been removed; choose another") from None

    def get(self, name: str | None = None) -> PolicyQA:
        """Policy `name` (None: the default) if it is loaded and its files are as they were; otherwise
        its loading starts in the background and `PolicyLoading` says to ask again in a moment."""
        name, files = self._files(name)
        stamp = stamp_of(files)
        with self._lock:
            loaded = self._loaded.get(name)
            if loaded is not None and loaded.stamp == stamp:
                self._loaded.move_to_end(name)
                return loaded.qa
            self._start(name, files)
        what = "is being loaded" if loaded is None else "has changed on disk and is being loaded again"
        raise PolicyLoading(f"the policy {name!r} {what}; ask again in a moment")

    def load(self, name: str | None = None) -> PolicyQA:
        """Policy `name` (None: the default), waiting for it to be loaded (or indexed) if need be."""
        name, files = self._files(name)
        with self._lock:
            loaded = self._loaded.get(name)
            if loaded is not None and loaded.stamp == stamp_of(files):
                self._loaded.move_to_end(name)
                return loaded.qa
            future = self._start(name, files)
        return future.result()

    def _start(self, name: str, files: PolicyFiles) -> Future[PolicyQA]:
        """The running load of `name`, or a new one on the loader thread (call with the lock held)."""
        running = self._loading.get(name)
        if running is not None and not running.done():
            return running
        future = self._loader.submit(self._load, name, files)
        self._loading[name] = future
        return future

    def _load(self, name: str, files: PolicyFiles) -> PolicyQA:
        qa = PolicyQA.load(name, settings=self.settings, embedder=self.embedder)
        self._keep(name, qa, stamp_of(files))  # after loading: a load may (re)build the store
        return qa

    def _keep(self, name: str, qa: PolicyQA, stamp: Stamp) -> None:
        """Cache `qa`, dropping the least recently used policies beyond `Settings.loaded_policies`."""
        with self._lock:
            self._loaded[name] = _Loaded(qa, stamp)
            self._loaded.move_to_end(name)
            others = [other for other in self._loaded if other != self.default]
            for other in others[: max(0, len(self._loaded) - max(1, self.settings.loaded_policies))]:
                self._loaded.pop(other, None)

    def loaded(self) -> list[str]:
        """The names of the policies held in memory, least recently used first."""
        with self._lock:
            return list(self._loaded)

    def add(self, path: Path, name: str, progress: Progress = no_progress) -> PolicyQA:
        """Add the policy file at `path` as `name` (replacing an earlier added one of that name), index it,
        and keep it loaded."""
        progress(0.0, f"checking {path.name}")
        checked = check_policy_file(path, name, self.settings)
        if self._index_embedder is None:
            self._index_embedder = create_index_embedder(self.settings)
        added = add_policy(checked, self.settings, self._index_embedder, progress, replace=True)
        qa = PolicyQA.over(added.store, self.embedder, self.settings)
        self._keep(name, qa, stamp_of(added.files))
        return qa

    def remove(self, name: str) -> None:
        """Remove added policy `name` from the library and from memory (`qa.library.files.remove_policy`)."""
        remove_policy(name, self.settings)
        with self._lock:
            self._loaded.pop(name, None)
