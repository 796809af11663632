"""Replace a folder of files in one step, and recover when a replace was cut short.

`replace_folder(files, target)` writes every file into a fresh sibling
`.<name>.build-<pid>-<random>` (fsynced), then swaps it in with two renames:

    target  -> .<name>.old-<pid>-<random>    (skipped when there is no target yet)
    staging -> target

and deletes the retired copy. A process killed while writing leaves `target`
untouched. The one moment without `target` is between the two renames; a
process killed there leaves the previous folder complete under its `.old-`
name, and `recover_folder(target)` (run before every load) renames it back.
Leftover `.build-`/`.old-`/`.trash-` folders of processes that no longer run
are deleted by the next `replace_folder`.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import secrets
import shutil
import tempfile
from pathlib import Path

log = logging.getLogger("qa")

_KINDS = ("build", "old", "trash")


def _fsync_dir(path: Path) -> None:
    """Make the folder's entries (new files, renames) durable; a no-op where folders cannot be opened."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _owner(path: Path, target: Path) -> int | None:
    """The pid in a sibling's name: `.idx.old-4242-ab12` -> 4242; None if it is not our sibling or has no pid."""
    for kind in _KINDS:
        prefix = f".{target.name}.{kind}-"
        if path.name.startswith(prefix):
            pid = path.name[len(prefix) :].split("-", 1)[0]
            return int(pid) if pid.isdigit() else 0
    return None


def _running(pid: int) -> bool:
    """Whether process `pid` exists (0: unknown, so gone). On Windows leftovers are kept (no safe probe)."""
    if pid <= 0:
        return False
    if pid == os.getpid() or os.name == "nt":
        return True
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def leftovers(target: Path) -> list[Path]:
    """Staging and retired siblings of `target` whose process no longer runs."""
    if not target.parent.is_dir():
        return []
    found = []
    for path in target.parent.iterdir():
        pid = _owner(path, target)
        if pid is not None and not _running(pid):
            found.append(path)
    return sorted(found)


def recover_folder(target: Path) -> bool:
    """If `target` is missing but a retired copy has a manifest.json, rename the newest one back.

    True if a copy was restored. Only acts when `target` does not exist, which
    `replace_folder` allows only between its two renames.
    """
    if target.exists() or not target.parent.is_dir():
        return False
    retired = [p for p in target.parent.glob(f".{target.name}.old-*") if p.is_dir() and (p / "manifest.json").is_file()]
    for path in sorted(retired, key=lambda p: (p / "manifest.json").stat().st_mtime, reverse=True):
        try:
            path.rename(target)
        except OSError:
            if target.exists():  # another process restored or built it first
                return False
            continue
        _fsync_dir(target.parent)
        log.warning("policyqa: restored %s from %s, left by an interrupted index build", target, path.name)
        return True
    return False


def _discard(path: Path) -> None:
    """Delete a leftover sibling, a folder or a file."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def stage_file(data: bytes, target: Path) -> Path:
    """Write `data` beside `target` (fsynced) under a staging name, for `os.replace(staged, target)`
    to commit in one step; the caller deletes the staged file if it does not commit. Leftover
    staged files of processes that no longer run are deleted first."""
    target.parent.mkdir(parents=True, exist_ok=True)
    for path in leftovers(target):
        _discard(path)
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.build-{os.getpid()}-", dir=target.parent)
    staged = Path(name)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        staged.chmod(0o644)  # mkstemp makes it private
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    return staged


def replace_folder(files: dict[str, bytes], target: Path) -> None:
    """Make `target` hold exactly `files` (name -> bytes, written in that order), atomically.

    Put the file a reader checks first (the manifest) last, so a staging folder
    is complete when it exists.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    recover_folder(target)
    for path in leftovers(target):
        _discard(path)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.build-{os.getpid()}-", dir=target.parent))
    try:
        # subtle: mkdtemp makes the folder private (0700); give it its parent's permissions instead.
        staging.chmod(target.parent.stat().st_mode & 0o777)
        for name, data in files.items():
            with (staging / name).open("wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        _fsync_dir(staging)
        _swap(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _fsync_dir(target.parent)


def _swap(staging: Path, target: Path) -> None:
    """Rename `staging` onto `target`, retiring (then deleting) what was there."""
    retired: list[Path] = []
    # subtle: another build (or a reader's recover_folder) may move `target` away or put
    # one back between our two renames; then we retire that one too and try again.
    for _ in range(10):
        aside = target.with_name(f".{target.name}.old-{os.getpid()}-{secrets.token_hex(4)}")
        try:
            target.rename(aside)
            retired.append(aside)
        except FileNotFoundError:
            pass
        try:
            staging.rename(target)
            break
        except OSError as error:
            if error.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                raise
    else:
        raise OSError(f"could not move the new index into {target}: other processes keep replacing it")
    for path in retired:
        # subtle: rename before deleting, so recover_folder can never pick up a half-deleted copy.
        trash = path.with_name(path.name.replace(".old-", ".trash-", 1))
        with contextlib.suppress(OSError):
            path.rename(trash)
            shutil.rmtree(trash, ignore_errors=True)
