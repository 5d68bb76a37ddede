"""Benchmarks: national-scale data and the figures `make bench` prints."""
