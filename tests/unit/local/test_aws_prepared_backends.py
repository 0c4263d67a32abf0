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
    assert aws.ACCOUNT_ID in iam_backends  # the account lookup of the first request finds it built
    # A service app already built by a request is kept, never replaced.
    kept = dispatcher.app_instances["s3"]
    aws._prepare_backends(dispatcher)
    assert dispatcher.app_instances["s3"] is kept


def test_the_remembered_moto_module_list_is_the_installed_packages_folders() -> None:
    import os

    import moto
    from moto import backends

    from harness.local.aws import remember_moto_modules

    root = os.path.dirname(moto.__file__)
    folders = sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)) and d[:2] != "__")
    remember_moto_modules()
    assert list(backends.list_of_moto_modules()) == folders and {"s3", "glue", "athena"} <= set(folders)
    assert list(backends.list_of_moto_modules()) == folders  # not a one-shot iterator
