"""Errors in Athena's shapes: API errors (HTTP 400 + __type) and query failures (FAILED + AthenaError)."""

from __future__ import annotations

# Athena's ErrorCategory values (docs: "Athena error catalog").
SYSTEM, USER, OTHER = 1, 2, 3
# ErrorType values used here: 1000 user error, 1001 data error, 100 internal, 401 result write failure.
USER_ERROR, DATA_ERROR, INTERNAL_ERROR, RESULT_WRITE_ERROR = 1000, 1001, 100, 401


class AthenaApiError(Exception):
    """A request Athena itself rejects (wrong arguments, unknown ids): HTTP 400 with a typed body."""

    def __init__(self, message: str, code: str = "InvalidRequestException", athena_code: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.athena_code = athena_code

    def body(self) -> dict[str, str]:
        body = {"__type": self.code, "Message": self.message}
        if self.athena_code:
            body["AthenaErrorCode"] = self.athena_code
        return body


class QueryFailed(Exception):
    """A query that ends FAILED (or CANCELLED) with an Athena-style StateChangeReason."""

    def __init__(
        self,
        reason: str,
        *,
        category: int = USER,
        error_type: int = USER_ERROR,
        state: str = "FAILED",
        retryable: bool = False,
    ):
        super().__init__(reason)
        self.reason = reason
        self.category = category
        self.error_type = error_type
        self.state = state
        self.retryable = retryable

    def athena_error(self) -> dict[str, object]:
        return {
            "ErrorCategory": self.category,
            "ErrorType": self.error_type,
            "Retryable": self.retryable,
            "ErrorMessage": self.reason,
        }


def not_supported(what: str) -> QueryFailed:
    return QueryFailed(f"NOT_SUPPORTED: {what} is not supported by the local Athena engine")
