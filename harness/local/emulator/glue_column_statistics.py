"""Gap: moto's Glue has no column-statistics APIs; AWS Glue does, and Trino's Glue metastore calls them.

The local Athena's Trino engine (Athena engine v3 is Trino) reads column statistics to plan a query and
writes them after INSERT/CTAS: Get/Update/DeleteColumnStatisticsFor{Table,Partition}. Without them
every such call failed (moto's "not yet implemented"), CTAS failed and reads retried. This keeps the
statistics on moto's table object, per partition, with AWS's shapes and errors: an unknown table or
partition is EntityNotFoundException. A column without statistics is simply absent from a read, and
deleting its statistics is a no-op: Trino's metastore deletes the statistics of every column it did not
recompute after a write and reads EntityNotFoundException there as "table not found".
"""

from __future__ import annotations

import copy
from typing import Any

_MAX_COLUMNS_PER_CALL = 100  # AWS's limit on ColumnNames / ColumnStatisticsList per call


def _store(table: Any, values: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    stats = table.__dict__.setdefault("_harness_column_statistics", {})
    return stats.setdefault(values, {})  # type: ignore[no-any-return]


def apply() -> None:
    from moto.core.responses import ActionResult, EmptyResult
    from moto.glue.exceptions import InvalidInputException
    from moto.glue.responses import GlueResponse

    def target(self: Any, with_partition: bool) -> dict[str, dict[str, Any]]:
        db, name = self.parameters.get("DatabaseName"), self.parameters.get("TableName")
        table = self.glue_backend.get_table(db, name)  # raises EntityNotFoundException like AWS
        values: tuple[str, ...] = ()
        if with_partition:
            values = tuple(self.parameters.get("PartitionValues") or [])
            self.glue_backend.get_partition(db, name, list(values))  # must exist, as on AWS
        return _store(table, values)

    def get(self: Any, with_partition: bool) -> Any:
        store = target(self, with_partition)
        names = list(self.parameters.get("ColumnNames") or [])
        if len(names) > _MAX_COLUMNS_PER_CALL:
            raise InvalidInputException("GetColumnStatistics", "Cannot request more than 100 columns")
        found = [store[n] for n in names if n in store]
        return ActionResult({"ColumnStatisticsList": found, "Errors": []})

    def update(self: Any, with_partition: bool) -> Any:
        store = target(self, with_partition)
        items = list(self.parameters.get("ColumnStatisticsList") or [])
        if len(items) > _MAX_COLUMNS_PER_CALL:
            raise InvalidInputException("UpdateColumnStatistics", "Cannot update more than 100 columns")
        for item in items:
            store[item["ColumnName"]] = copy.deepcopy(item)
        return ActionResult({"Errors": []})

    def delete(self: Any, with_partition: bool) -> Any:
        store = target(self, with_partition)
        store.pop(self.parameters.get("ColumnName"), None)
        return EmptyResult()

    GlueResponse.get_column_statistics_for_table = lambda self: get(self, False)
    GlueResponse.get_column_statistics_for_partition = lambda self: get(self, True)
    GlueResponse.update_column_statistics_for_table = lambda self: update(self, False)
    GlueResponse.update_column_statistics_for_partition = lambda self: update(self, True)
    GlueResponse.delete_column_statistics_for_table = lambda self: delete(self, False)
    GlueResponse.delete_column_statistics_for_partition = lambda self: delete(self, True)
