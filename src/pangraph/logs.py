"""Logging of the CLI and the server: plain text, or structured JSON (one object per line).

``server.log_format = "json"`` (or ``--json-logs``) makes every log line a JSON object with ``time`` (ISO 8601,
UTC, milliseconds), ``level``, ``logger`` and ``message``; the access log (logger ``pangraph.access``, written by
:class:`pangraph.api.metrics.MetricsMiddleware`) adds ``method``, ``path``, ``route``, ``status`` and
``duration_ms``; any other ``extra={...}`` fields a caller passes are kept too, and an exception adds ``exc_info``
(the formatted traceback).
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone
from typing import Any, TextIO

LOG_FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

#: attributes every LogRecord has: anything else on a record came from ``extra=`` and is logged as a field
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and the record's extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_") and key not in out:
                out[key] = value
        if record.exc_info:
            out["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str, ensure_ascii=False)


def make_handler(log_format: str, stream: TextIO | None = None) -> logging.Handler:
    """A stream handler (stderr by default) with the formatter of *log_format* (``text`` or ``json``)."""
    if log_format not in LOG_FORMATS:
        raise ValueError(f"log format must be one of {', '.join(LOG_FORMATS)}, got {log_format!r}")
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    return handler


def setup_logging(level: int, log_format: str = "text", stream: TextIO | None = None) -> None:
    """Send every log record of *level* and above to one handler on the root logger."""
    root = logging.getLogger()
    root.handlers[:] = [make_handler(log_format, stream)]
    root.setLevel(level)


def enable_access_log(on: bool = True) -> None:
    """Let the access log (``pangraph.access``, INFO) through whatever the root level is, or silence it."""
    logging.getLogger("pangraph.access").setLevel(logging.INFO if on else logging.WARNING)
