"""Gap: moto's ListObjectVersions reads the body of every version in the bucket, on every page.

To mark which version of each key is the latest without touching the stored ones, moto deep-copies every
version of every key on each call, and a deep copy of an object version pickles it: its whole body is
read into a new buffer (and each copy later warns that it was never disposed). The cost of one page grows
with the bucket's bytes: ~5 s a page for the ~4,700 Athena result objects a test session leaves in the
logs bucket, so the provider's `force_destroy` of that bucket (a listing per 1,000 versions) took ~13 s.

moto's listing runs unchanged over read-only views of the stored versions instead: each view reads
through to its version and keeps the one attribute the listing sets (`is_latest`) to itself. Nothing is
copied, nothing stored is changed, and a view never disposes its version's body.
"""

from __future__ import annotations

import copy
from typing import Any


class _View:
    """A stored version as ListObjectVersions reads it, with an `is_latest` of its own. It passes for its
    version's class (the listing tells versions from delete markers with isinstance) without being one:
    not a moto model, so moto neither tracks it nor lets it dispose of the version's body."""

    def __init__(self, stored: Any) -> None:
        self.__dict__["_stored"] = stored

    @property  # type: ignore[misc]
    def __class__(self) -> type:
        return type(self.__dict__["_stored"])

    def __getattr__(self, name: str) -> Any:
        return getattr(self.__dict__["_stored"], name)


class VersionsCopy:
    """What moto.s3.models calls `copy`: a deep copy of a key's stored versions (the one deep copy that
    module makes) gives views of them; everything else is the `copy` module's own."""

    def deepcopy(self, value: Any, memo: Any = None) -> Any:
        from moto.s3.models import FakeDeleteMarker, FakeKey

        if isinstance(value, list) and all(isinstance(v, (FakeKey, FakeDeleteMarker)) for v in value):
            return [_View(v) for v in value]
        return copy.deepcopy(value, memo)

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)


def apply() -> None:
    from moto.s3 import models

    if not isinstance(models.copy, VersionsCopy):
        models.copy = VersionsCopy()  # type: ignore[assignment]
