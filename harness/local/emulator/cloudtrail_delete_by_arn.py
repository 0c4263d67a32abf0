"""Gap: moto's DeleteTrail only accepts a trail name; AWS accepts the name or the ARN.

The AWS provider (v6) deletes a trail by its ARN, which moto silently ignored: destroy reported
success and the trail stayed. This resolves an ARN to its trail first, as AWS does, and answers
TrailNotFoundException for an unknown one.
"""

from __future__ import annotations

from typing import Any


def apply() -> None:
    from moto.cloudtrail.models import CloudTrailBackend

    def delete_trail(self: Any, name: str) -> None:
        trail = self.get_trail(name)  # raises TrailNotFoundException like AWS
        del self.trails[trail.trail_name]

    CloudTrailBackend.delete_trail = delete_trail
