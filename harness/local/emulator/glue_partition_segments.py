"""Gap: moto's Glue `GetPartitions` ignores `Segment`; AWS returns only that segment's partitions.

Trino's Glue metastore (the local Athena's Trino engine) lists a table's partitions in parallel segments
(`Segment: {SegmentNumber, TotalSegments}`, 5 by default) and merges the answers. AWS splits the
partitions into `TotalSegments` disjoint parts that together are all of them; moto answered every segment
with every partition, so each listing made moto build, and Trino parse, every partition once per segment.
Here a segment gets the partitions whose position in the table's (stable) order falls in it, modulo
`TotalSegments`: disjoint parts whose union is the unsegmented answer, as on AWS (which parts AWS puts a
partition in is its own; no caller may rely on it). AWS's bounds: `TotalSegments` 1-10, `SegmentNumber`
0-9 and below `TotalSegments`, else InvalidInputException.
"""

from __future__ import annotations

from typing import Any

MAX_SEGMENTS = 10  # AWS's limit on TotalSegments


def apply() -> None:
    from moto.core.responses import ActionResult
    from moto.glue.exceptions import InvalidInputException
    from moto.glue.responses import GlueResponse

    def get_partitions(self: Any) -> Any:
        partitions = self.glue_backend.get_partitions(
            self.parameters.get("DatabaseName"),
            self.parameters.get("TableName"),
            self.parameters.get("Expression"),
        )
        segment = self.parameters.get("Segment")
        if segment:
            total, number = segment.get("TotalSegments"), segment.get("SegmentNumber")
            if not isinstance(total, int) or not 1 <= total <= MAX_SEGMENTS:
                raise InvalidInputException(
                    "GetPartitions", f"TotalSegments must be between 1 and {MAX_SEGMENTS}"
                )
            if not isinstance(number, int) or not 0 <= number < total:
                raise InvalidInputException(
                    "GetPartitions", "SegmentNumber must be between 0 and TotalSegments - 1"
                )
            partitions = partitions[number::total]  # disjoint; together every partition
        return ActionResult({"Partitions": [p.as_dict() for p in partitions]})

    GlueResponse.get_partitions = get_partitions
