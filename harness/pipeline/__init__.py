"""The deployed pipeline: Lambda zips, a Lambda-like runtime, the schedule driver and the layer counts."""
