"""S3 of the local AWS: boto3 for listing, objects and reads, pyarrow's S3 filesystem for writes.

DuckDB's httpfs is not available offline, so DuckDB reads `s3://` through an fsspec filesystem
registered on the query's connection. The engine tells it the files a query reads (from the listing it
already did), so DuckDB's many file-info calls are answered without a HEAD each. Files read front to
back (JSON, CSV, text) are fetched whole, one GET each, a few objects ahead of DuckDB (`Prefetcher`);
Parquet is read by exact ranged GETs so column pruning shows. The filesystem counts the bytes it hands
to DuckDB: that is the query's DataScannedInBytes.
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlparse

import boto3
from botocore.config import Config
from botocore.handlers import add_expect_header
from fsspec.implementations.arrow import ArrowFSWrapper
from pyarrow import fs as pafs

READ_AHEAD = 8 * 1024 * 1024  # one ranged GET serves many of DuckDB's small sequential reads
# Whole-object prefetch: this many objects in flight ahead of DuckDB; larger objects stream instead,
# so a query holds at most about PREFETCH_DEPTH * PREFETCH_MAX_OBJECT bytes of unread data.
PREFETCH_DEPTH = 4
PREFETCH_MAX_OBJECT = 64 * 1024 * 1024
# DuckDB opens a small Parquet file several times in one query and reads it whole each time; a query
# fetches an object this small once, whole, and serves its reads from memory (at most SMALL_OBJECTS_BYTES
# of them kept). The bytes counted are unchanged: what each read would have fetched.
SMALL_OBJECT = 1024 * 1024
SMALL_OBJECTS_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True)
class AwsConfig:
    """Where the local AWS (moto) listens and how to sign requests to it."""

    endpoint: str
    region: str = "us-east-1"
    access_key: str = "testing"
    secret_key: str = "testing"
    session_token: str | None = None

    def client(self, service: str):  # type: ignore[no-untyped-def]
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=self.region,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            aws_session_token=self.session_token,
            config=Config(max_pool_connections=32, retries={"max_attempts": 2}),
        )


@dataclass(frozen=True)
class S3Object:
    bucket: str
    key: str
    size: int
    mtime: datetime | None = None

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"

    @property
    def path(self) -> str:
        """The fsspec path (no scheme)."""
        return f"{self.bucket}/{self.key}"


def split_uri(uri: str) -> tuple[str, str]:
    parsed = urlparse(uri)
    if parsed.scheme not in ("s3", "s3a", "s3n") or not parsed.netloc:
        raise ValueError(f"not an S3 URI: {uri}")
    return parsed.netloc, parsed.path.lstrip("/")


def hidden(key: str) -> bool:
    """Hive skips files whose name starts with `_` or `.`, and folder markers."""
    name = key.rsplit("/", 1)[-1]
    return not name or name.startswith(("_", ".")) or key.endswith("_$folder$")


class S3Io:
    """S3 operations the engine needs, all against the local AWS endpoint."""

    def __init__(self, aws: AwsConfig):
        self.aws = aws
        self.client = aws.client("s3")
        # botocore asks the server to accept each PUT's body before sending it (`Expect: 100-continue`):
        # a round trip per PUT (~0.3 ms of CPU) that only pays off for large bodies over a network. These
        # bodies are in memory and the local AWS is on loopback; what is stored is the same.
        self.client.meta.events.unregister("before-call.s3", add_expect_header)
        endpoint = urlparse(aws.endpoint)
        self.arrow_fs = pafs.S3FileSystem(
            access_key=aws.access_key,
            secret_key=aws.secret_key,
            session_token=aws.session_token,
            region=aws.region,
            scheme=endpoint.scheme or "http",
            endpoint_override=endpoint.netloc,
            background_writes=True,
            allow_delayed_open=True,  # a file smaller than a part is one PutObject, not a multipart upload
        )

    def list_files(self, uri: str, folder: bool = True) -> list[S3Object]:
        """Data files under a folder (or a raw key prefix), recursively, without Hive-hidden files."""
        bucket, prefix = split_uri(uri)
        if folder and prefix and not prefix.endswith("/"):
            prefix += "/"
        out: list[S3Object] = []
        for obj in self._iter_objects(bucket, prefix):
            if not hidden(obj["Key"]) and not obj["Key"].endswith("/"):
                out.append(S3Object(bucket, obj["Key"], int(obj["Size"]), obj.get("LastModified")))
        return out

    def _iter_objects(self, bucket: str, prefix: str) -> Iterator[dict[str, Any]]:
        paginator = self.client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
                yield from page.get("Contents", [])
        except self.client.exceptions.NoSuchBucket:
            return

    def has_objects(self, uri: str) -> bool:
        bucket, prefix = split_uri(uri)
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        try:
            resp = self.client.list_objects_v2(Bucket=bucket, Prefix=prefix, MaxKeys=1)
        except self.client.exceptions.NoSuchBucket:
            return False
        return bool(resp.get("KeyCount"))

    def delete_files(self, paths: list[str]) -> None:
        """Deletes ``bucket/key`` paths (as pyarrow's filesystem names them) with S3's batch delete; unlike
        pyarrow's delete_file it leaves no folder marker behind."""
        by_bucket: dict[str, list[str]] = {}
        for path in paths:
            bucket, _, key = path.partition("/")
            by_bucket.setdefault(bucket, []).append(key)
        for bucket, keys in by_bucket.items():
            for i in range(0, len(keys), 1000):
                objects = [{"Key": k} for k in keys[i : i + 1000]]
                self.client.delete_objects(Bucket=bucket, Delete={"Objects": objects, "Quiet": True})

    def put(self, uri: str, body: bytes, encryption: dict[str, str] | None, content_type: str) -> None:
        bucket, key = split_uri(uri)
        extra: dict[str, str] = {}
        if encryption:
            option = encryption.get("EncryptionOption")
            if option == "SSE_S3":
                extra["ServerSideEncryption"] = "AES256"
            elif option in ("SSE_KMS", "CSE_KMS"):
                # CSE_KMS is client-side in AWS; locally the object is stored SSE-KMS with the same key.
                extra["ServerSideEncryption"] = "aws:kms"
                if encryption.get("KmsKey"):
                    extra["SSEKMSKeyId"] = encryption["KmsKey"]
        self.client.put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type, **extra)

    def get(self, obj: S3Object, start: int = 0, length: int | None = None) -> bytes:
        """One GET of a whole object or of a byte range (no HEAD: the size is known from the listing)."""
        extra = {} if length is None else {"Range": f"bytes={start}-{start + length - 1}"}
        try:
            resp = self.client.get_object(Bucket=obj.bucket, Key=obj.key, **extra)
        except self.client.exceptions.NoSuchKey:
            raise FileNotFoundError(obj.uri) from None
        return resp["Body"].read()  # type: ignore[no-any-return]

    def duckdb_filesystem(self, on_read: Callable[[int], None]) -> CountingS3FileSystem:
        return CountingS3FileSystem(self, on_read)


class Prefetcher:
    """Whole-object GETs for files DuckDB reads front to back, at most `depth` objects ahead of it.

    Objects are planned in the order DuckDB opens them (the order of the file list); an object is
    handed over once (`take`) and then only referenced by its reader, so memory stays bounded.
    """

    def __init__(self, s3: S3Io, depth: int = PREFETCH_DEPTH):
        self._s3 = s3
        self._depth = depth
        self._planned: deque[S3Object] = deque()
        self._waiting: dict[str, S3Object] = {}  # planned, not yet requested
        self._inflight: dict[str, Future[bytes]] = {}  # requested, not yet taken
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        self._closed = False

    def plan(self, objects: list[S3Object]) -> None:
        with self._lock:
            for obj in objects:
                if obj.size <= PREFETCH_MAX_OBJECT and obj.path not in self._waiting:
                    self._planned.append(obj)
                    self._waiting[obj.path] = obj
            self._fill()

    def take(self, path: str) -> bytes | None:
        """The object's bytes (waiting for its GET), or None when it was not planned or already taken."""
        with self._lock:
            future = self._inflight.pop(path, None)
            inline = self._waiting.pop(path, None) if future is None else None
            self._fill()
        if future is not None:
            return future.result()
        if inline is not None:  # opened before its turn: fetch it now rather than wait for the queue
            return self._s3.get(inline)
        return None

    def _fill(self) -> None:
        while self._planned and len(self._inflight) < self._depth and not self._closed:
            obj = self._planned.popleft()
            if self._waiting.pop(obj.path, None) is None:
                continue  # taken inline already
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self._depth, thread_name_prefix="local-athena-get")
            self._inflight[obj.path] = self._pool.submit(self._s3.get, obj)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            for future in self._inflight.values():
                future.cancel()
            self._inflight.clear()
            self._waiting.clear()
            self._planned.clear()
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)


class SmallObjects:
    """Whole small objects one query fetched, most recently used last, at most `limit` bytes."""

    def __init__(self, s3: S3Io, limit: int = SMALL_OBJECTS_BYTES):
        self._s3 = s3
        self._limit = limit
        self._held = 0
        self._objects: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, obj: S3Object) -> bytes:
        with self._lock:
            data = self._objects.get(obj.path)
            if data is not None:
                self._objects.move_to_end(obj.path)
                return data
        data = self._s3.get(obj)  # outside the lock: DuckDB's threads read other objects meanwhile
        with self._lock:
            if obj.path not in self._objects:
                self._objects[obj.path] = data
                self._held += len(data)
                while self._held > self._limit:
                    self._held -= len(self._objects.popitem(last=False)[1])
        return data

    def clear(self) -> None:
        with self._lock:
            self._objects.clear()
            self._held = 0


class CountingS3FileSystem(ArrowFSWrapper):
    """fsspec S3 for DuckDB, one per query: answers file info from the listing, counts bytes read."""

    protocol = ("s3",)
    cachable = False  # one instance per query: the counter must not be shared

    def __init__(self, s3: S3Io, on_read: Callable[[int], None]):
        super().__init__(s3.arrow_fs)
        self._s3 = s3
        self._on_read = on_read
        self._known: dict[str, S3Object] = {}
        self._prefetcher = Prefetcher(s3)
        self._small = SmallObjects(s3)

    def add_files(self, objects: list[S3Object], sequential: bool) -> None:
        """Files the query reads, as listed; `sequential` ones (text formats) are prefetched whole."""
        for obj in objects:
            self._known[obj.path] = obj
        if sequential:
            self._prefetcher.plan(objects)

    def close(self) -> None:
        self._prefetcher.close()
        self._small.clear()

    def info(self, path: str, **kwargs: object) -> dict[str, Any]:
        obj = self._known.get(self._strip_protocol(path))
        if obj is None:
            return super().info(path, **kwargs)  # type: ignore[no-any-return]
        return {"name": obj.path, "size": obj.size, "type": "file", "mtime": obj.mtime}

    def modified(self, path: str) -> datetime:
        obj = self._known.get(self._strip_protocol(path))
        if obj is None or obj.mtime is None:
            return super().modified(path)  # type: ignore[no-any-return]
        return obj.mtime

    def _open(self, path: str, mode: str = "rb", block_size: int | None = None, **kwargs: object):  # type: ignore[override]
        if mode != "rb":
            return super()._open(path, mode, block_size, **kwargs)
        key = self._strip_protocol(path)
        obj = self._known.get(key)
        if obj is None:
            return CountingReader(_ArrowSource(self.fs.open_input_file(key)), self._on_read)
        data = self._prefetcher.take(key)
        if data is not None:
            self._on_read(len(data))
            return BufferReader(data)
        return CountingReader(_RangedSource(self._s3, obj, self._small), self._on_read)


class _ArrowSource:
    """A pyarrow random-access file (costs a HEAD to open): for files the engine did not list."""

    def __init__(self, stream: Any):
        self._stream = stream
        self.size: int = stream.size()

    def read_at(self, n: int, offset: int) -> bytes:
        return bytes(self._stream.read_at(n, offset))

    def close(self) -> None:
        self._stream.close()


class _RangedSource:
    """A listed object read by ranged GETs (its size is known, so no HEAD); a small one from the query's
    copy of it, one GET for all its reads."""

    def __init__(self, s3: S3Io, obj: S3Object, small: SmallObjects):
        self._s3 = s3
        self._obj = obj
        self._small = small
        self.size = obj.size

    def read_at(self, n: int, offset: int) -> bytes:
        if self.size <= SMALL_OBJECT:
            return self._small.get(self._obj)[offset : offset + n]
        return self._s3.get(self._obj, offset, n)

    def close(self) -> None:
        pass


class _SharedHandle(io.RawIOBase):
    """DuckDB shares one handle between its threads and calls seek() then read(); the position is
    per thread so one thread's seek cannot move another's read."""

    def __init__(self, size: int):
        super().__init__()
        self._size = size
        self._local = threading.local()

    @property
    def size(self) -> int:
        return self._size

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    @property
    def _pos(self) -> int:
        return getattr(self._local, "pos", 0)

    @_pos.setter
    def _pos(self, value: int) -> None:
        self._local.pos = value

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)


class BufferReader(_SharedHandle):
    """A prefetched object in memory (already counted when handed over)."""

    def __init__(self, data: bytes):
        super().__init__(len(data))
        self._data = memoryview(data)

    def read(self, n: int = -1) -> bytes:
        pos = self._pos
        end = self._size if n is None or n < 0 else min(self._size, pos + n)
        if pos >= end:
            return b""
        self._pos = end
        return self._data[pos:end].tobytes()

    def close(self) -> None:
        if not self.closed:
            self._data = memoryview(b"")  # drop the object as soon as DuckDB is done with it
        super().close()


class CountingReader(_SharedHandle):
    """A random-access S3 object with read-ahead; reports every byte fetched from S3."""

    def __init__(self, source: _ArrowSource | _RangedSource, on_read: Callable[[int], None]):
        super().__init__(source.size)
        self._source = source
        self._buf = b""
        self._buf_start = 0
        self._on_read = on_read
        self._lock = threading.Lock()
        # Decided on the first read: text formats read from offset 0 onwards (read ahead), Parquet
        # starts at the footer (exact ranges, so column pruning shows in the scanned bytes).
        self._sequential: bool | None = None

    def read(self, n: int = -1) -> bytes:
        with self._lock:
            if n is None or n < 0:
                n = self._size - self._pos
            n = max(0, min(n, self._size - self._pos))
            if n == 0:
                return b""
            if self._sequential is None:
                self._sequential = self._pos == 0
            start = self._pos - self._buf_start
            if not self._sequential:
                data = self._fetch(self._pos, n)
            elif start >= 0 and start + n <= len(self._buf):
                data = self._buf[start : start + n]
            elif n >= READ_AHEAD:
                data = self._fetch(self._pos, n)
            else:
                self._buf_start = self._pos
                self._buf = self._fetch(self._pos, min(READ_AHEAD, self._size - self._pos))
                data = self._buf[:n]
            self._pos += len(data)
            return data

    def _fetch(self, offset: int, n: int) -> bytes:
        data = self._source.read_at(n, offset)
        self._on_read(len(data))
        return data

    def close(self) -> None:
        if not self.closed:
            self._source.close()
            self._buf = b""
        super().close()
