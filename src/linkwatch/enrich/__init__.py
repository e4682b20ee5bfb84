"""Metadata from the arXiv and GitHub APIs; their answers double as liveness checks."""
