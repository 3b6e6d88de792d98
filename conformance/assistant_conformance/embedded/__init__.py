"""A local Pinecone Assistant: both planes and the evaluation endpoint, real retrieval, the live wire format.

``create_app(...)`` builds the ASGI app; ``running_server(...)`` runs it on 127.0.0.1 in a thread
(for tests); ``serve(...)`` runs it in the foreground (the ``serve`` CLI command).
"""

from .app import create_app
from .server import RunningServer, running_server, serve

__all__ = ["RunningServer", "create_app", "running_server", "serve"]
