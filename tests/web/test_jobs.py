"""Web jobs under faults: video jobs gated, size-limited and cancellable; refused uploads leave nothing; a
training left running by a killed server is adopted by the next one (status, cancel), one that finished
meanwhile is listed, a stopped one resumes; SIGTERM stops the server's trainings and videos cleanly."""
import io
import json
import os
import signal
import subprocess
import sys
import time

import av
import numpy as np
import pytest
from fastapi.testclient import TestClient

from styleforge.web import Limits, create_app
from web_helpers import png_bytes, wait_for_job

LOCAL = "http://127.0.0.1"


def _png(w=80, h=80, seed=0) -> bytes:
    return png_bytes(w, h, seed)


def _clip(frames=8, width=64, height=48) -> bytes:
    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as out:
        v = out.add_stream("libx264", rate=10)
        v.width, v.height, v.pix_fmt = width, height, "yuv420p"
        for i in range(frames):
            for p in v.encode(av.VideoFrame.from_ndarray(np.full((height, width, 3), 9 * i % 256, np.uint8), format="rgb24")):
                out.mux(p)
        for p in v.encode():
            out.mux(p)
    return buf.getvalue()


STYLE = [("style", (f"s{i}.png", _png(seed=i))) for i in range(10)]


_wait = wait_for_job


@pytest.fixture
def client(tmp_path):
    app = create_app(tmp_path / "ws", Limits(max_video_pixels=64 * 48))
    with TestClient(app, base_url=LOCAL) as c:
        yield c


def _jobs_folder(client):
    return client.app.state.workspace.root / "jobs"


def test_video_frames_over_the_limit_are_refused_and_leave_nothing(client):
    r = client.post("/api/video", files={"video": ("big.mp4", _clip(2, 96, 64))}, data={"model": "style:monet"})
    assert r.status_code == 413 and "96x64" in r.json()["error"], r.text
    r = client.post("/api/video", files={"video": ("x.mp4", b"not a video at all" * 100)}, data={"model": "style:monet"})
    assert r.status_code == 400
    assert not list(_jobs_folder(client).iterdir())


def test_video_jobs_are_one_at_a_time_and_cancellable(client):
    long = _clip(400)
    ident = client.post("/api/video", files={"video": ("a.mp4", long)}, data={"model": "style:monet"}).json()["id"]
    second = client.post("/api/video", files={"video": ("b.mp4", long)}, data={"model": "style:monet"})
    assert second.status_code == 409 and "a video is being stylised" in second.json()["error"]
    _wait(client, ident, lambda j: j["frames"] > 0)
    assert client.post(f"/api/jobs/{ident}/cancel").json()["status"] == "cancelled"
    assert len(list(_jobs_folder(client).iterdir())) == 1  # the refused second upload left nothing
    done = client.post("/api/video", files={"video": ("c.mp4", _clip(4))}, data={"model": "style:monet"}).json()
    assert _wait(client, done["id"], lambda j: j["status"] != "running")["status"] == "done"


def test_a_refused_training_upload_leaves_nothing(client):
    r = client.post("/api/train", data={"name": "x", "preset": "nope"}, files=STYLE)
    assert r.status_code == 400 and "unknown preset" in r.json()["error"]
    broken = STYLE[:9] + [("style", ("bad.png", b"\x89PNG broken"))]
    assert client.post("/api/train", data={"name": "x"}, files=broken).status_code == 400
    assert not list(_jobs_folder(client).iterdir())


def _start(client, steps, minutes=None):
    data = {"name": "orphan", "steps": str(steps), "size": "32"}
    if minutes:
        data["minutes"] = str(minutes)
    r = client.post("/api/train", data=data, files=STYLE)
    assert r.status_code == 200, r.text
    return r.json()["id"]


def _kill_server(app):
    """What a SIGKILLed server does to its trainings: nothing. Forget them without stopping them."""
    procs = dict(app.state.jobs._procs)
    app.state.jobs._procs.clear()
    return procs


def test_a_training_left_running_by_a_killed_server_is_adopted(tmp_path):
    ws = tmp_path / "ws"
    with TestClient(create_app(ws), base_url=LOCAL) as c:
        ident = _start(c, 100_000)
        _wait(c, ident, lambda j: j["step"] > 0)
        orphan = _kill_server(c.app)[ident]
    assert orphan.poll() is None  # still training, with no server
    with TestClient(create_app(ws), base_url=LOCAL) as c:
        job = c.get(f"/api/jobs/{ident}").json()
        assert job["status"] == "running", job
        assert c.post("/api/train", data={"name": "second", "steps": "5", "size": "32"}, files=STYLE).status_code == 409
        c.post(f"/api/jobs/{ident}/cancel")
        job = _wait(c, ident, lambda j: j["status"] != "running")
        assert job["status"] == "cancelled" and job["model_id"] in [m["id"] for m in c.get("/api/models").json()["models"]]
    orphan.wait(30)


def test_a_training_that_finished_without_its_server_is_listed_and_a_stopped_one_resumes(tmp_path):
    ws = tmp_path / "ws"
    with TestClient(create_app(ws), base_url=LOCAL) as c:
        finished = _start(c, 8)
        orphan = _kill_server(c.app)[finished]
    orphan.wait(240)
    with TestClient(create_app(ws), base_url=LOCAL) as c:
        job = c.get(f"/api/jobs/{finished}").json()
        assert job["status"] == "done" and job["model_id"] == f"job:{finished}", job
        assert job["model_id"] in [m["id"] for m in c.get("/api/models").json()["models"]]
        killed = _start(c, 100_000, minutes=0.1)
        _wait(c, killed, lambda j: j["step"] > 0 and j["losses"])
        time.sleep(0.5)
        trainer = _kill_server(c.app)[killed]
        trainer.send_signal(signal.SIGINT)  # it checkpoints and exports part-way, as on a shutdown
        trainer.wait(60)
    with TestClient(create_app(ws), base_url=LOCAL) as c:
        job = c.get(f"/api/jobs/{killed}").json()
        assert job["status"] == "stopped" and job["resumable"] and job["model_id"], job
        assert c.post(f"/api/jobs/{killed}/resume").json()["status"] == "running"
        job = _wait(c, killed, lambda j: j["status"] != "running")
        assert job["status"] == "done" and not job["resumable"], job


def test_sigterm_stops_the_servers_trainings_and_videos_cleanly(tmp_path):
    ws = tmp_path / "ws"
    server = subprocess.Popen([sys.executable, "-m", "styleforge", "serve", "--workspace", str(ws), "--port", "0"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline()
        port = _bound_port(server.pid)
        token = line.split("token=")[1].split()[0]
        import httpx

        http = httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"X-Styleforge-Token": token}, timeout=60)
        train = http.post("/api/train", data={"name": "t", "steps": "100000", "size": "32"}, files=STYLE).json()["id"]
        video = http.post("/api/video", files={"video": ("a.mp4", _clip(2000))}, data={"model": "style:monet"}).json()
        deadline = time.monotonic() + 120
        while http.get(f"/api/jobs/{train}").json()["step"] == 0 and time.monotonic() < deadline:
            time.sleep(0.3)
        assert http.get(f"/api/jobs/{video['id']}").json()["status"] == "running"
        pid = json.loads((ws / "jobs" / train / "job.json").read_text())["pid"]
        server.send_signal(signal.SIGTERM)
        _, err = server.communicate(timeout=90)
    finally:
        server.kill()
    assert server.returncode == 0 and "terminate called" not in err, err[-2000:]
    assert not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/stat").read().split(")")[1].split()[0] == "Z"
    run = next((ws / "jobs" / train / "runs").iterdir())
    assert (run / "checkpoint.pt").is_file()


def _bound_port(pid: int, timeout: float = 30) -> int:
    """The TCP port a process listens on (port 0 let the system choose), read from /proc."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        inodes = set()
        for fd in os.listdir(f"/proc/{pid}/fd"):
            target = os.readlink(f"/proc/{pid}/fd/{fd}") if os.path.islink(f"/proc/{pid}/fd/{fd}") else ""
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            for row in open(table).read().splitlines()[1:]:
                parts = row.split()
                if parts[3] == "0A" and parts[9] in inodes:  # LISTEN
                    return int(parts[1].rsplit(":", 1)[1], 16)
        time.sleep(0.2)
    raise AssertionError("the server did not start listening")
