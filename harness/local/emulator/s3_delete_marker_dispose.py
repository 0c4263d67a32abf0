"""Gap: moto crashes (HTTP 500) deleting the last version of a key whose history holds a delete marker.

When the last object version of a key goes, moto drops the key's whole version list and disposes each
entry; a delete marker has no `dispose`, so DeleteObject/DeleteObjects with a VersionId answered 500 and
the provider's force_destroy of a versioned bucket retried forever. Any key that was overwritten and
deleted (the ingest state object, Gold partitions a re-run replaced) hits it. A delete marker holds no
data: disposing it is a no-op.
"""

from __future__ import annotations


def apply() -> None:
    from moto.s3.models import FakeDeleteMarker

    if not hasattr(FakeDeleteMarker, "dispose"):
        FakeDeleteMarker.dispose = lambda self, garbage=False: None  # type: ignore[attr-defined]
