"""Structured logs: one JSON object per line on stdout, which CloudWatch Logs indexes as fields.

Every line carries the invocation's request id and whether it is the execution environment's first
invocation (a cold start): `start_invocation(context)` sets both at the top of each handler.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

_RESERVED = set(vars(logging.makeLogRecord({})))
# The invocation being served, on every log line; module state lives as long as the execution environment.
_invocation: dict[str, Any] = {"request_id": None, "cold_start": True}
_invocations = 0


def start_invocation(context: Any) -> None:
    """Record the request id of the invocation now starting, and whether it is the first of this
    execution environment (cold start) or a later one on a warm environment."""
    global _invocations
    _invocations += 1
    _invocation["request_id"] = getattr(context, "aws_request_id", None)
    _invocation["cold_start"] = _invocations == 1


def invocation() -> dict[str, Any]:
    return dict(_invocation)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **_invocation,
        }
        doc.update({k: v for k, v in vars(record).items() if k not in _RESERVED and not k.startswith("_")})
        if record.exc_info:
            doc["exception"] = self.formatException(record.exc_info)
        return json.dumps(doc, default=str, separators=(",", ":"))


def get_logger(name: str) -> logging.Logger:
    """A logger that writes JSON lines; set up once per name, no matter how often it is asked for."""
    logger = logging.getLogger(f"lakehouse.{name}")
    if not any(getattr(h, "_lakehouse", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(JsonFormatter())
        handler._lakehouse = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        # The Lambda runtime puts a plain-text handler on the root logger: don't log twice.
        logger.propagate = False
    return logger


def log(logger: logging.Logger, message: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log ``message`` with ``fields`` as top-level JSON keys."""
    logger.log(level, message, extra={k: v for k, v in fields.items() if k not in _RESERVED})
