"""The local AWS builds the stack's service backends before the first request needs them."""

from __future__ import annotations

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

from harness.local import aws


def test_every_service_the_provider_calls_is_built_before_its_first_request() -> None:
    from moto.iam.models import iam_backends

    dispatcher = DomainDispatcherApplication(create_backend_app)
    assert dispatcher.app_instances == {}
    aws._prepare_backends(dispatcher)
    assert set(aws.PREPARED_BACKENDS) <= set(dispatcher.app_instances)
    # the IAM backend each request marks its key's use in, built with the managed policies ahead of it
    assert "aws" in dict.keys(iam_backends[aws.ACCOUNT_ID])
    # A service app already built by a request is kept, never replaced.
    kept = dispatcher.app_instances["s3"]
    aws._prepare_backends(dispatcher)
    assert dispatcher.app_instances["s3"] is kept
