"""Fault injection (bad inputs, hostile files, damaged caches, killed processes) and the tests that run it."""
