"""pytest plugin for bench/compliance_bench.py's "before" arm: the gates run as they did before the
long-lived runner and the merged run, a fresh terraform-compliance process per run and each data-source
feature in a run of its own.

    PYTHONPATH=bench .venv/bin/python -m pytest -p compliance_before tests/integration/test_compliance.py
"""

from __future__ import annotations

import functools

from harness.gates import compliance

compliance.run_gates = functools.partial(compliance.run_gates, mode="process", merged=False)  # type: ignore[assignment]
