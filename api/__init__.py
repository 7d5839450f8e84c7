"""The HTTP service of huashu (FastAPI + uvicorn): see :mod:`api.main`."""
