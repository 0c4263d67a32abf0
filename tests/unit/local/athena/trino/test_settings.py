"""The local Trino's query memory follows its heap (no JVM started here)."""

import pytest

from harness.local.athena.trino.server import TrinoSettings, TrinoStartError


@pytest.mark.parametrize(("heap", "query_memory"), [("2G", "1024MB"), ("6g", "3072MB"), ("1536M", "768MB")])
def test_query_memory_is_half_the_heap(heap: str, query_memory: str) -> None:
    assert TrinoSettings(heap=heap).query_max_memory == query_memory


def test_a_heap_trino_cannot_read_is_a_clear_error() -> None:
    with pytest.raises(TrinoStartError, match="LAKEHOUSE_TRINO_HEAP must look like 2G"):
        _ = TrinoSettings(heap="lots").query_max_memory
