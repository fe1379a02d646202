"""The local web app (`styleforge serve`): FastAPI + uvicorn, one HTML page, a confined workspace."""
from .workspace import Limits, Workspace, safe_name

__all__ = ["Limits", "Workspace", "create_app", "safe_name", "serve"]


def create_app(*args, **kwargs):
    from .app import create_app as _create
    return _create(*args, **kwargs)


def serve(*args, **kwargs):
    from .app import serve as _serve
    return _serve(*args, **kwargs)
