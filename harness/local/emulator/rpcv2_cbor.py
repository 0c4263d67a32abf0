"""Gap: services the AWS SDK for Go now calls over Smithy RPC v2 CBOR, which moto does not route.

The AWS provider's Go SDK sends CloudWatch calls as `POST /service/GraniteServiceVersion20100801/
operation/<Op>` with a CBOR body (header `smithy-protocol: rpc-v2-cbor`); moto answers 404. moto does
speak the same service's awsJson protocol, so this middleware translates: CBOR request -> the JSON
protocol moto serves -> the JSON answer re-encoded as CBOR against the operation's output shape from
botocore's service model (timestamps as CBOR tag 1, as the SDK expects). Errors keep their `__type`.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

import botocore.session
from botocore.parsers import BaseCBORParser, JSONParser
from botocore.serialize import CBORSerializer

_PATH = re.compile(r"^/service/(?P<target>[A-Za-z0-9_.]+)/operation/(?P<op>[A-Za-z0-9]+)$")
# Smithy service id in the path -> (botocore service name, awsJson version moto expects)
SERVICES = {"GraniteServiceVersion20100801": ("cloudwatch", "1.0")}

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class _Decoder(BaseCBORParser):
    def decode(self, body: bytes) -> Any:
        return self.parse_data_item(self.get_peekable_stream_from_bytes(body)) if body else {}


class _Encoder(CBORSerializer):
    TIMESTAMP_FORMAT = "unixtimestamp"

    def encode_shaped(self, value: Any, shape: Any) -> bytes:
        out = bytearray()
        self._serialize_data_item(out, value, shape)
        return bytes(out)

    def encode_plain(self, value: dict[str, str]) -> bytes:
        """A flat map of strings (error bodies), which have no modelled shape here."""
        out = bytearray()
        info, nbytes = self._get_additional_info_and_num_bytes(len(value))
        out.extend(self._get_initial_byte(self.MAP_MAJOR_TYPE, info))
        if nbytes:
            out.extend(len(value).to_bytes(nbytes, "big"))
        for k, v in value.items():
            self._serialize_type_string(out, k, None, None)
            self._serialize_type_string(out, v, None, None)
        return bytes(out)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, bytes):
        import base64

        return base64.b64encode(value).decode()
    return value


class RpcV2CborBridge:
    """WSGI middleware answering rpc-v2-cbor calls through moto's JSON protocol handlers."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app
        self._session = botocore.session.get_session()
        self._models: dict[str, Any] = {}

    def _model(self, service: str) -> Any:
        if service not in self._models:
            self._models[service] = self._session.get_service_model(service)
        return self._models[service]

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        match = _PATH.match(environ.get("PATH_INFO", ""))
        if not match or match["target"] not in SERVICES or environ.get("REQUEST_METHOD") != "POST":
            return self.app(environ, start_response)
        service, json_version = SERVICES[match["target"]]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        params = _Decoder().decode(environ["wsgi.input"].read(length))
        body = json.dumps(_jsonable(params)).encode()

        inner = dict(environ)
        inner.update(
            {
                "PATH_INFO": "/",
                "QUERY_STRING": "",
                "CONTENT_LENGTH": str(len(body)),
                "CONTENT_TYPE": f"application/x-amz-json-{json_version}",
                "wsgi.input": io.BytesIO(body),
                "HTTP_X_AMZ_TARGET": f"{match['target']}.{match['op']}",
            }
        )
        captured: dict[str, Any] = {}

        def capture(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], None]:
            captured["status"], captured["headers"] = status, headers
            return lambda _data: None

        raw = b"".join(self.app(inner, capture))
        status = captured.get("status", "500 Internal Server Error")
        code = int(status.split()[0])
        operation = self._model(service).operation_model(match["op"])
        if code < 300:
            parsed = {}
            if operation.output_shape is not None and raw.strip():
                parsed = JSONParser().parse(
                    {"body": raw, "headers": {}, "status_code": code}, operation.output_shape
                )
                parsed.pop("ResponseMetadata", None)
            payload = (
                _Encoder().encode_shaped(parsed, operation.output_shape) if operation.output_shape else b""
            )
        else:
            try:
                err = json.loads(raw or b"{}")
            except ValueError:
                err = {"__type": "InternalFailure", "message": raw.decode(errors="replace")}
            error_type = str(err.get("__type") or err.get("code") or "InternalFailure").split("#")[-1]
            payload = _Encoder().encode_plain({"__type": error_type, "message": str(err.get("message", ""))})
        headers = [
            ("Content-Type", "application/cbor"),
            ("smithy-protocol", "rpc-v2-cbor"),
            ("Content-Length", str(len(payload))),
        ]
        headers += [(k, v) for k, v in captured.get("headers", []) if k.lower() == "x-amzn-requestid"]
        start_response(status, headers)
        return [payload]


def wrap(app: WsgiApp) -> WsgiApp:
    return RpcV2CborBridge(app)
