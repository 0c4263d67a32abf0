"""The emulator wait switch: where the overlay goes in the provider, and who turns it on."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.iac import provider_waits
from harness.iac.tofu import Tofu
from harness.iac.workspace import Endpoints, Workspace

UPSTREAM_SHAPE = f"""package retry

func (conf *StateChangeConfOf[T, S]) WaitForStateContext(ctx context.Context) (T, error) {{
\t{provider_waits.ANCHOR}

\tif inContext, ok := conns.FromContext(ctx); ok && inContext.VCREnabled() {{
\t}}
}}
"""


def test_switch_goes_right_after_the_delay_is_computed() -> None:
    patched = provider_waits.patched_state_go(UPSTREAM_SHAPE)
    lines = patched.splitlines()
    at = lines.index("\t" + provider_waits.ANCHOR)
    assert lines[at + 1] == provider_waits.STATEMENT
    assert patched.replace(provider_waits.STATEMENT + "\n", "") == UPSTREAM_SHAPE


@pytest.mark.parametrize("text", ["package retry\n", UPSTREAM_SHAPE + UPSTREAM_SHAPE])
def test_a_changed_upstream_helper_is_an_error_not_a_silent_build(text: str) -> None:
    with pytest.raises(provider_waits.WaitOverlayError, match="changed upstream"):
        provider_waits.patched_state_go(text)


def test_overlay_files_replace_state_go_and_add_the_switch(tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "internal" / "retry").mkdir(parents=True)
    (src / provider_waits.STATE_GO).write_text(UPSTREAM_SHAPE)
    replace = provider_waits.write_overlay(src, tmp_path / "overlay")
    assert set(replace) == {str(src / provider_waits.STATE_GO), str(src / provider_waits.ADDED_GO)}
    added = Path(replace[str(src / provider_waits.ADDED_GO)]).read_text()
    assert f'os.Getenv("{provider_waits.ENV_VAR}") != "1"' in added
    assert "func consistentEmulator() bool" in added


LOCAL = Endpoints(aws="http://127.0.0.1:1")


@pytest.mark.parametrize(
    ("endpoints", "provider_pin", "switched"),
    [
        (LOCAL, "6.48.0-dev.20260602", True),  # emulated target, our provider build
        (None, "6.48.0-dev.20260602", False),  # TARGET=aws: real AWS is eventually consistent
        (LOCAL, None, False),  # a user's own TF_BIN: an official provider, no overlay
    ],
)
def test_only_emulated_targets_with_our_build_turn_the_switch_on(
    endpoints: Endpoints | None, provider_pin: str | None, switched: bool
) -> None:
    ws = Workspace(
        name="waits", env="dev", tofu=Tofu(Path("/bin/true"), provider_pin=provider_pin), endpoints=endpoints
    )
    assert (ws._env().get(provider_waits.ENV_VAR) == "1") is switched


def test_upstream_waits_on_request(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(provider_waits.OPT_OUT_VAR, provider_waits.OPT_OUT_VALUE)
    ws = Workspace(name="waits", env="dev", tofu=Tofu(Path("/bin/true"), provider_pin="6"), endpoints=LOCAL)
    assert provider_waits.ENV_VAR not in ws._env()
