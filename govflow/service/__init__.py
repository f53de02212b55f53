"""govflow as a service: the ASGI app (JSON API, health, metrics), keys, the worker loop.

Nothing here holds rules: every write goes through :class:`~govflow.Engine`, every read
through the store's read queries. FastAPI and uvicorn are imported only by the modules that
build or serve the app, never by ``import govflow``.
"""
