"""Policy gates: terraform-compliance features run on real plans, and the mutants that prove they bite."""
