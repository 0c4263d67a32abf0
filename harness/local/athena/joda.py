"""Joda-Time date pattern tokens (Trino's format_datetime/parse_datetime patterns)."""

from __future__ import annotations

from collections.abc import Iterator

from .errors import QueryFailed


def joda_tokens(pattern: str) -> Iterator[tuple[str, str]]:
    """Yield ("quoted", text), ("field", letters) or ("char", c) for each piece of ``pattern``;
    an unterminated quote fails as Trino fails it."""
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "'":
            end = pattern.find("'", i + 1)
            if end < 0:
                raise QueryFailed(f"INVALID_FUNCTION_ARGUMENT: Invalid pattern specification: {pattern}")
            yield "quoted", pattern[i + 1 : end] or "'"  # '' is a literal quote
            i = end + 1
        elif ch.isalpha():
            j = i
            while j < len(pattern) and pattern[j] == ch:
                j += 1
            yield "field", pattern[i:j]
            i = j
        else:
            yield "char", ch
            i += 1
