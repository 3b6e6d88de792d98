"""Conformance suites and an embedded endpoint for the Pinecone Assistant API."""
