"""Structured log lines: one JSON object per event on the "qa" logger.

Each line is `{"event": ..., "time": ..., <fields>}` with ASCII-only JSON, so a
question holding newlines, NULs or right-to-left marks cannot forge or break a
line of the log. Nothing here decides *what* is logged: callers leave the
question text out unless `Settings.log_questions` asks for it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import datetime, timezone

log = logging.getLogger("qa")


def utc_time() -> str:
    """The current time as ISO 8601 UTC with milliseconds, e.g. '2025-11-29T04:33:00.123Z'."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def event_line(event: str, fields: Mapping[str, object]) -> str:
    """One log line: event_line("ask", {"hits": 3}) -> '{"event":"ask","time":"...","hits":3}'."""
    return json.dumps({"event": event, "time": utc_time(), **fields}, ensure_ascii=True, separators=(",", ":"))


def log_event(event: str, fields: Mapping[str, object], *, level: int = logging.INFO, exc_info: bool = False) -> None:
    """Log `event_line(event, fields)` on the "qa" logger (with the traceback if `exc_info`)."""
    if log.isEnabledFor(level):
        log.log(level, event_line(event, fields), exc_info=exc_info)
