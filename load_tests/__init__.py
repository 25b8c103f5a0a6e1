"""Benchmarks and load tests: run by hand, reported as figures, never as timed unit tests."""
