"""Benchmarks: `python -m tests.benchmarks` (make bench). See tests/benchmarks/common.py."""
