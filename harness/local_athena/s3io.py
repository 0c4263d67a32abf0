"""S3 of the local AWS: boto3 for listing and small objects, pyarrow's S3 filesystem for data.

DuckDB's httpfs is not available offline, so DuckDB reads `s3://` through an fsspec wrapper of
pyarrow's S3FileSystem registered on the query's connection. The wrapper counts the bytes it hands
to DuckDB: that is the query's DataScannedInBytes, so partition pruning and Parquet column pruning show.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import urlparse

import boto3
from botocore.config import Config
from fsspec.implementations.arrow import ArrowFSWrapper
from pyarrow import fs as pafs

READ_AHEAD = 8 * 1024 * 1024  # one ranged GET serves many of DuckDB's small sequential reads


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

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


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
        endpoint = urlparse(aws.endpoint)
        self.arrow_fs = pafs.S3FileSystem(
            access_key=aws.access_key,
            secret_key=aws.secret_key,
            session_token=aws.session_token,
            region=aws.region,
            scheme=endpoint.scheme or "http",
            endpoint_override=endpoint.netloc,
            background_writes=True,
        )

    def list_files(self, uri: str, folder: bool = True) -> list[S3Object]:
        """Data files under a folder (or a raw key prefix), recursively, without Hive-hidden files."""
        bucket, prefix = split_uri(uri)
        if folder and prefix and not prefix.endswith("/"):
            prefix += "/"
        out: list[S3Object] = []
        for obj in self._iter_objects(bucket, prefix):
            if not hidden(obj["Key"]) and not obj["Key"].endswith("/"):
                out.append(S3Object(bucket, obj["Key"], int(obj["Size"])))
        return out

    def _iter_objects(self, bucket: str, prefix: str) -> Iterator[dict[str, object]]:
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

    def delete_keys(self, bucket: str, keys: list[str]) -> None:
        for i in range(0, len(keys), 1000):
            chunk = [{"Key": k} for k in keys[i : i + 1000]]
            self.client.delete_objects(Bucket=bucket, Delete={"Objects": chunk, "Quiet": True})

    def duckdb_filesystem(self, on_read: Callable[[int], None]) -> CountingS3FileSystem:
        return CountingS3FileSystem(self.arrow_fs, on_read)


class CountingS3FileSystem(ArrowFSWrapper):
    """fsspec view of pyarrow's S3 filesystem for DuckDB, counting bytes read for one query."""

    protocol = ("s3",)
    cachable = False  # one instance per query: the counter must not be shared

    def __init__(self, fs: pafs.FileSystem, on_read: Callable[[int], None]):
        super().__init__(fs)
        self._on_read = on_read

    def _open(self, path: str, mode: str = "rb", block_size: int | None = None, **kwargs: object):  # type: ignore[override]
        if mode != "rb":
            return super()._open(path, mode, block_size, **kwargs)
        return CountingReader(self.fs.open_input_file(self._strip_protocol(path)), self._on_read)


class CountingReader(io.RawIOBase):
    """A random-access S3 object with read-ahead; reports every byte fetched from S3."""

    def __init__(self, stream: object, on_read: Callable[[int], None]):
        super().__init__()
        self._stream = stream
        self._size: int = stream.size()  # type: ignore[attr-defined]
        # DuckDB shares one handle between its threads and calls seek() then read(); the position is
        # per thread so one thread's seek cannot move another's read.
        self._local = threading.local()
        self._buf = b""
        self._buf_start = 0
        self._on_read = on_read
        self._lock = threading.Lock()
        # Decided on the first read: text formats read from offset 0 onwards (read ahead), Parquet
        # starts at the footer (exact ranges, so column pruning shows in the scanned bytes).
        self._sequential: bool | None = None

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

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)

    def _fetch(self, offset: int, n: int) -> bytes:
        data = self._stream.read_at(n, offset)  # type: ignore[attr-defined]
        self._on_read(len(data))
        return bytes(data)

    def close(self) -> None:
        if not self.closed:
            self._stream.close()  # type: ignore[attr-defined]
            self._buf = b""
        super().close()
