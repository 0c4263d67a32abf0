"""Verification harness for the GitHub-events lakehouse: toolchain, targets, local AWS and Athena, runners."""

__version__ = "0.1.0"
