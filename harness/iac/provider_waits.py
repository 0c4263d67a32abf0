"""A build-time overlay of the AWS provider's wait helper, switched on only against emulators.

Every consistency wait in the provider (S3 lifecycle configuration: 10 s delay, then 10 equal reads 5 s
apart; SQS queue attributes: 6 equal reads >= 5 s apart; SQS deletion: 15 not-found reads >= 3 s apart;
KMS key state: 5 to 15 equal reads; ...) runs through one function,
`internal/retry.(*StateChangeConfOf).WaitForStateContext`. Those repeated reads exist because AWS's
control planes are eventually consistent: one read of the target state may be followed by an older one.
A strongly consistent emulator (moto, LocalStack) answers every read from the state the last write left,
so the first read of the target state is final and each further read is the same answer after a sleep.

The overlay adds one statement to that function: when the provider process has
LAKEHOUSE_PROVIDER_CONSISTENT_EMULATOR=1 in its environment, a single read of the target state ends
the wait and polls are 100 ms apart (not zero: a state that is really pending is still polled, just
without the backoff tuned for AWS). Without the variable the function is upstream's, byte for byte in
behaviour. Only the harness sets the variable, only for emulated targets and only for the provider it
built (harness.iac.workspace); `TARGET=aws` and a user's own TF_BIN never see it. docs/toolchain.md
says the same for users.
"""

from __future__ import annotations

import os
from pathlib import Path

from harness.errors import HarnessError

ENV_VAR = "LAKEHOUSE_PROVIDER_CONSISTENT_EMULATOR"
# A user's way to run emulated targets with the provider's own AWS-tuned waits (benchmarks compare both).
OPT_OUT_VAR, OPT_OUT_VALUE = "LAKEHOUSE_PROVIDER_WAITS", "upstream"
STATE_GO = "internal/retry/state.go"
ADDED_GO = "internal/retry/lakehouse_consistent_emulator.go"

# The line the statement goes after: where upstream has just computed the delay between polls.
ANCHOR = "delay := backoff.SDKv2HelperRetryCompatibleDelay(conf.Delay, conf.PollInterval, conf.MinTimeout)"
STATEMENT = "\tif consistentEmulator() { delay, conf.ContinuousTargetOccurence = consistentEmulatorPoll, 1 }"

ADDED_SOURCE = f"""// Added at build time by harness/iac/provider_waits.py (lakehouse harness), not upstream.

package retry

import (
\t"log"
\t"os"
\t"time"

\t"github.com/hashicorp/terraform-provider-aws/internal/backoff"
)

// consistentEmulatorPoll spaces polls of a state that is really still pending.
var consistentEmulatorPoll = backoff.FixedDelay(100 * time.Millisecond)

// consistentEmulator reports whether the harness runs this provider against a strongly consistent
// emulator ({ENV_VAR}=1), where one read of a target state is final.
func consistentEmulator() bool {{
\tif os.Getenv("{ENV_VAR}") != "1" {{
\t\treturn false
\t}}
\tlog.Printf("[DEBUG] {ENV_VAR}: one read of the target state is final, polls 100ms apart")
\treturn true
}}
"""


def wanted() -> bool:
    """The switch goes on for emulated targets unless the user asked for upstream waits."""
    return os.environ.get(OPT_OUT_VAR, "").strip().lower() != OPT_OUT_VALUE


class WaitOverlayError(HarnessError):
    """The provider's wait helper no longer looks as the overlay expects (upstream changed it)."""


def patched_state_go(original: str) -> str:
    if original.count(ANCHOR) != 1:
        raise WaitOverlayError(
            f"{STATE_GO}: expected exactly one line `{ANCHOR}` to follow with the emulator switch; "
            "the provider's wait helper changed upstream, update harness/iac/provider_waits.py"
        )
    return original.replace(ANCHOR, f"{ANCHOR}\n{STATEMENT}", 1)


def write_overlay(provider_src: Path, out_dir: Path) -> dict[str, str]:
    """Write the patched state.go and the added file; return their `go build -overlay` Replace entries."""
    out_dir.mkdir(parents=True, exist_ok=True)
    state = out_dir / "state.go"
    added = out_dir / Path(ADDED_GO).name
    original = (provider_src / STATE_GO).read_text(encoding="utf-8")
    state.write_text(patched_state_go(original), encoding="utf-8")
    added.write_text(ADDED_SOURCE, encoding="utf-8")
    return {str(provider_src / STATE_GO): str(state), str(provider_src / ADDED_GO): str(added)}


def fingerprint() -> str:
    """What the overlay adds, for the build key: a change here rebuilds the provider."""
    return STATEMENT + ADDED_SOURCE
