"""The long-lived provider the gates' plans attach to: who gets one, with which environment, and failures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.iac import provider_server
from harness.iac.tofu import Tofu
from harness.iac.workspace import Endpoints, Workspace

LOCAL = Endpoints(aws="http://127.0.0.1:1")
PIN = "6.48.0-dev.20260602"
# What terraform-plugin-go's managed debug server prints (the AWS provider's -debug), trimmed.
DEBUG_OUTPUT = """Starting github.com/hashicorp/terraform-provider-aws@6.48.0-dev.20260602 (go1.26.8)...
Provider started. To attach Terraform CLI, set the TF_REATTACH_PROVIDERS environment variable \
with the following:

\tTF_REATTACH_PROVIDERS='{"registry.terraform.io/hashicorp/aws":{"Protocol":"grpc","ProtocolVersion":5,\
"Pid":32388,"Test":true,"Addr":{"Network":"unix","String":"/tmp/plugin1981993580"}}}'
"""


def workspace(endpoints: Endpoints | None, provider_pin: str | None) -> Workspace:
    tofu = Tofu(Path("/bin/true"), env={"GOGC": "400"}, provider_pin=provider_pin)
    return Workspace(name="server", env="dev", tofu=tofu, endpoints=endpoints)


@pytest.mark.parametrize(
    ("endpoints", "provider_pin", "applies"),
    [
        (LOCAL, PIN, True),  # emulated target, our provider build
        (None, PIN, False),  # TARGET=aws: tofu starts its own providers, as users' runs do
        (LOCAL, None, False),  # a user's own TF_BIN: its own providers
    ],
)
def test_only_emulated_targets_with_our_build_attach_to_a_server(
    endpoints: Endpoints | None, provider_pin: str | None, applies: bool
) -> None:
    assert provider_server.applies(workspace(endpoints, provider_pin)) is applies


def test_per_command_providers_on_request(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(provider_server.OPT_OUT_VAR, provider_server.OPT_OUT_VALUE)
    assert not provider_server.applies(workspace(LOCAL, PIN))
    with provider_server.attached(workspace(LOCAL, PIN)) as server:
        assert server is None


def test_tofu_attaches_only_while_a_server_is_lent() -> None:
    ws = workspace(LOCAL, PIN)
    assert provider_server.ENV_VAR not in ws._env()
    ws.provider_reattach = '{"registry.opentofu.org/hashicorp/aws": {}}'
    assert ws._env()[provider_server.ENV_VAR] == ws.provider_reattach


def test_the_server_gets_the_environment_tofu_gives_its_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTEST_CURRENT_TEST", "changes every test")
    monkeypatch.setenv(provider_server.ENV_VAR, "{}")  # a caller's own reattach never reaches the server
    ws = workspace(LOCAL, PIN)
    env = provider_server.provider_env(ws)
    command = ws.tofu.environment(ws._env())
    assert set(command) - set(env) == {"TF_DATA_DIR", "PYTEST_CURRENT_TEST", provider_server.ENV_VAR}
    assert all(command[k] == v for k, v in env.items())
    assert env["AWS_ENDPOINT_URL"] == LOCAL.aws and env["GOGC"] == "400" and env["TF_IN_AUTOMATION"] == "1"


def test_the_debug_line_is_read_and_named_as_opentofu_names_the_provider(tmp_path: Path) -> None:
    fake = tmp_path / "terraform-provider-aws"
    fake.write_text(f"#!/bin/sh\ncat <<'EOF'\n{DEBUG_OUTPUT}EOF\nexec sleep 60\n")
    fake.chmod(0o755)
    server = provider_server.ProviderServer(fake, {"PATH": "/usr/bin:/bin"})
    try:
        assert server.alive()
        config = json.loads(server.reattach)
        assert list(config) == [provider_server.PROVIDER_ADDRESS]
        assert config[provider_server.PROVIDER_ADDRESS]["Addr"]["String"] == "/tmp/plugin1981993580"
    finally:
        server.close()
    assert not server.alive()


def test_a_provider_that_does_not_serve_fails_with_its_output(tmp_path: Path) -> None:
    fake = tmp_path / "terraform-provider-aws"
    fake.write_text("#!/bin/sh\necho 'flag provided but not defined: -debug' >&2\nexit 2\n")
    fake.chmod(0o755)
    with pytest.raises(provider_server.ProviderServerError, match="flag provided but not defined"):
        provider_server.ProviderServer(fake, {"PATH": "/usr/bin:/bin"})


def test_a_provider_that_never_says_where_to_attach_is_ended(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "terraform-provider-aws"
    fake.write_text("#!/bin/sh\necho 'Starting...'\nexec sleep 60\n")
    fake.chmod(0o755)
    monkeypatch.setattr(provider_server, "START_TIMEOUT_S", 0.2)
    with pytest.raises(provider_server.ProviderServerError, match=r"within 0.2 s \(got None\)"):
        provider_server.ProviderServer(fake, {"PATH": "/usr/bin:/bin"})


def test_a_server_is_lent_to_one_workspace_at_a_time_and_reused_until_closed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "terraform-provider-aws"
    fake.write_text(f"#!/bin/sh\ncat <<'EOF'\n{DEBUG_OUTPUT}EOF\nexec sleep 60\n")
    fake.chmod(0o755)
    monkeypatch.setattr(provider_server.toolchain, "binary_path", lambda spec: fake)
    ws, other = workspace(LOCAL, PIN), workspace(LOCAL, PIN)
    with provider_server.attached(ws) as first:
        assert first is not None and ws.provider_reattach == first.reattach
        with provider_server.attached(other) as concurrent:
            assert concurrent is not None and concurrent.pid != first.pid
        provider_server.close_idle()  # ends the one returned, not the one in use
        assert first.alive() and not concurrent.alive()
    assert ws.provider_reattach is None
    with provider_server.attached(ws) as again:
        assert again is first
    provider_server.close_idle()
    assert not first.alive()
    with provider_server.attached(ws) as fresh:
        assert fresh is not None and fresh is not first and fresh.alive()
    provider_server.close_idle()
