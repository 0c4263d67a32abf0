"""Entry points: the `lakehouse` CLI, `make verify` and the per-environment deploy commands."""
