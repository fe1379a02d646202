"""Helpers shared by the web app's tests and benchmarks/hostile.py: PNG bytes, waiting on a job, and the
app served by uvicorn on 127.0.0.1 in a thread (a real socket)."""
from __future__ import annotations

import contextlib
import io
import socket
import threading
import time

import numpy as np
from PIL import Image


def png_bytes(w: int = 64, h: int = 48, seed: int = 0) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)).save(buf, "PNG")
    return buf.getvalue()


def wait_for_job(client, ident: str, done, timeout: float = 240, poll: float = 0.3) -> dict:
    """GET /api/jobs/<ident> until done(job) holds; the job. AssertionError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/api/jobs/{ident}").json()
        if done(job):
            return job
        time.sleep(poll)
    raise AssertionError(f"job did not get there: {job}")


@contextlib.contextmanager
def served(app):
    """Serve `app` with uvicorn on 127.0.0.1 (a free port) in a thread; yields the port."""
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(20)
