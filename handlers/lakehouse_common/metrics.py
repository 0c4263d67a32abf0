"""CloudWatch metrics, buffered per invocation and sent in one PutMetricData batch."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

_BATCH = 500  # PutMetricData accepts 1000 datums per call; stay well inside it


class Metrics:
    """Counts per (name, extra dimensions); every datum carries ``Environment=<env>``."""

    def __init__(self, cloudwatch: Any, namespace: str, env: str) -> None:
        self._cw = cloudwatch
        self.namespace = namespace
        self.env = env
        self._counts: dict[tuple[str, tuple[tuple[str, str], ...]], float] = defaultdict(float)

    def add(self, name: str, value: float = 1, **dimensions: str) -> None:
        self._counts[(name, tuple(sorted(dimensions.items())))] += value

    def count(self, name: str, **dimensions: str) -> float:
        return self._counts.get((name, tuple(sorted(dimensions.items()))), 0)

    def flush(self) -> None:
        """Send what was counted (zeros included: a flat line is information) and reset."""
        data = [
            {
                "MetricName": name,
                "Dimensions": [{"Name": "Environment", "Value": self.env}]
                + [{"Name": k, "Value": v} for k, v in dims],
                "Value": value,
                "Unit": "Count",
            }
            for (name, dims), value in self._counts.items()
        ]
        for start in range(0, len(data), _BATCH):
            self._cw.put_metric_data(Namespace=self.namespace, MetricData=data[start : start + _BATCH])
        self._counts.clear()
