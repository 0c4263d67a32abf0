"""Extensions of moto for APIs the AWS provider calls that moto lacks or answers unfaithfully.

Each gap is one module here with an `apply()` that patches moto in the local AWS process only
(never in-process unit tests), and one row in docs/emulator-gaps.md.
"""

from __future__ import annotations

import importlib

# Module names under harness.emulator, applied in this order.
GAPS: tuple[str, ...] = ()


def apply_all() -> list[str]:
    applied = []
    for name in GAPS:
        importlib.import_module(f"harness.emulator.{name}").apply()
        applied.append(name)
    return applied
