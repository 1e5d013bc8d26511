"""HTTP API (FastAPI): thin routers, one per domain."""
