"""The local AWS builds the stack's service backends before the first request needs them (unless told
not to)."""

from __future__ import annotations

import pytest
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


def test_the_process_prepares_them_unless_told_not_to(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[bool] = []

    def fake_moto_server(port: int, prepare: bool = True) -> None:
        asked.append(prepare)
        raise SystemExit  # the server's start is where this test stops

    monkeypatch.setattr(aws, "moto_server", fake_moto_server)
    for name, value in aws.CREDENTIALS.items():  # what `main` sets, put back afterwards
        monkeypatch.setenv(name, value)
    for argv in (["--no-athena"], ["--no-athena", "--no-prepare"]):
        with pytest.raises(SystemExit):
            aws.main(argv)
    assert asked == [True, False]
    assert "--no-prepare" not in _command(aws.LocalAws(with_athena=False), monkeypatch)
    assert "--no-prepare" in _command(aws.LocalAws(with_athena=False, prepare_backends=False), monkeypatch)


def _command(local: aws.LocalAws, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The command line `start` runs (stopped there)."""
    started: list[list[str]] = []

    def popen(cmd: list[str], **_: object) -> None:
        started.append(cmd)
        raise SystemExit

    monkeypatch.setattr(aws.subprocess, "Popen", popen)
    with pytest.raises(SystemExit):
        local.start()
    return started[0]


def test_the_server_prepares_them_only_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    from harness.local import emulator, moto_dispatch

    # Only the server itself here: the emulator's patches act in a local AWS process, never in a test's.
    monkeypatch.setattr(emulator, "apply_all", lambda: [])
    monkeypatch.setattr(emulator, "wrap_all", lambda app: app)
    monkeypatch.setattr(moto_dispatch, "lookup_accounts_in_built_backends", lambda: None)
    prepared: list[object] = []
    monkeypatch.setattr(aws, "_prepare_in_background", prepared.append)
    for prepare in (False, True):
        aws.moto_server(0, prepare).server_close()
    assert len(prepared) == 1 and isinstance(prepared[0], DomainDispatcherApplication)
