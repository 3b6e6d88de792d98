"""A typed, streaming-first client for Pinecone Assistant."""
