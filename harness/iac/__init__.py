"""Infrastructure as code: pinned toolchain (OpenTofu, AWS provider), tofu runner, workspaces."""
