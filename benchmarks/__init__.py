"""Benchmarks of the client and the embedded endpoint, against baselines measured in the same run.

Run with ``nox -s bench`` (installs pinecone 10.2.0 and the openai SDK next to the project) or
``python -m benchmarks --help``. Results go to ``reports/bench.json``.
"""
