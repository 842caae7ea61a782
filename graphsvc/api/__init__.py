"""The HTTP API and pages (FastAPI): ``create_app`` in ``graphsvc.api.app``."""
