"""Benchmarks of the policy engine: `make bench` or `python -m bench.run`."""
