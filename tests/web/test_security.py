"""The web app against other pages and other machines: foreign Host (DNS rebinding) and cross-origin POSTs
refused, the per-start access token, error messages without server paths, a chunked upload cut off while it
streams (real server on 127.0.0.1), the model cache bounded, malformed mixes answered 400, a killed upload's
staging folder harmless."""
import json
import socket

import pytest
from fastapi.testclient import TestClient

from styleforge.inference import bundled_styles
from styleforge.web import Limits, create_app
from web_helpers import png_bytes, served

LOCAL = "http://127.0.0.1"


def _png(w=32, h=32, seed=0) -> bytes:
    return png_bytes(w, h, seed)


@pytest.fixture
def client(tmp_path):
    with TestClient(create_app(tmp_path / "ws", Limits(max_upload_bytes=2**20)), base_url=LOCAL) as c:
        yield c


def _stylize(client, **kw):
    return client.post("/api/stylize", files={"image": ("a.png", _png())}, data={"model": "style:monet"}, **kw)


def test_a_foreign_host_is_refused_so_dns_rebinding_reads_nothing(client):
    assert client.get("/api/jobs").status_code == 200
    for host in ("evil.example", "evil.example:7860", "127.0.0.1.evil.example"):
        r = client.get("/api/jobs", headers={"Host": host})
        assert r.status_code == 403 and "jobs" not in r.json(), host
    assert client.get("/api/jobs", headers={"Host": "localhost:7860"}).status_code == 200


def test_a_cross_origin_post_is_refused(client):
    assert _stylize(client, headers={"Origin": "http://127.0.0.1"}).status_code == 200  # the app's own page
    results = client.app.state.workspace.root / "results"
    for origin in ("http://evil.example", "null", "http://127.0.0.1:9999"):
        r = _stylize(client, headers={"Origin": origin})
        assert r.status_code == 403 and "other web sites" in r.json()["error"], origin
    r = client.post("/api/train", data={"name": "x"}, files=[("style", ("s.png", _png()))],
                    headers={"Origin": "http://evil.example"})
    assert r.status_code == 403
    assert client.get("/api/jobs", headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403
    assert len(list(results.iterdir())) == 1  # nothing more was computed or stored


def test_the_access_token_is_required_and_turned_into_a_same_site_cookie(tmp_path):
    app = create_app(tmp_path / "ws", token="s3cret-token")
    with TestClient(app, base_url=LOCAL) as c:
        assert c.get("/").status_code == 403 and c.get("/api/models").status_code == 403
        assert c.get("/api/models", params={"token": "wrong"}).status_code == 403
        page = c.get("/", params={"token": "s3cret-token"})
        assert page.status_code == 200 and "SameSite=Strict" in page.headers["set-cookie"]
        assert c.get("/api/models").status_code == 200  # the cookie from the page
    with TestClient(app, base_url=LOCAL) as c:
        assert c.get("/api/models", headers={"X-Styleforge-Token": "s3cret-token"}).status_code == 200


def test_beyond_loopback_the_app_needs_a_token_and_serve_prints_it(tmp_path, monkeypatch, capsys):
    import uvicorn

    from styleforge.web import app as web_app

    with pytest.raises(ValueError, match="access token"):
        create_app(tmp_path / "ws", allowed_hosts=None)
    started = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: started.update(app=app, **kw))
    web_app.serve(tmp_path / "ws", host="0.0.0.0", port=8123)
    url = capsys.readouterr().out.split("http://0.0.0.0:8123/?token=")[1].split()[0]
    with TestClient(started["app"], base_url="http://192.168.1.20:8123") as c:
        assert c.get("/api/models").status_code == 403
        assert c.get("/api/models", params={"token": url}).status_code == 200
    web_app.serve(tmp_path / "ws", port=8124)
    assert "/?token=" in capsys.readouterr().out


def test_error_messages_do_not_reveal_server_paths(client, tmp_path):
    from styleforge.models import GENERATORS, save_pretrained

    folder = save_pretrained(GENERATORS.create("light", base_channels=4, blocks=1), tmp_path / "m",
                             metadata={"task": "image"})
    files = {"config": ("config.json", b'{"format": "styleforge-model", "kind": "generator"}'),
             "weights": ("model.safetensors", (folder / "model.safetensors").read_bytes())}
    error = client.post("/api/models", data={"name": "bad"}, files=files).json()["error"]
    assert "architecture" in error and "config.json" in error
    assert str(client.app.state.workspace.root) not in error and "/tmp" not in error and "/" not in error


@pytest.mark.parametrize("mix", ["{bad json", "{" * 100_000, "[1, 2]", json.dumps({"style:monet": None}),
                                 json.dumps({"style:monet": "a lot"}), "style:monet=nan"])
def test_a_malformed_mix_is_a_json_400(client, mix):
    r = client.post("/api/stylize", files={"image": ("a.png", _png())}, data={"mix": mix})
    assert r.status_code == 400 and ("mix" in r.json()["error"] or "weight" in r.json()["error"]), r.text


def test_the_model_cache_stays_bounded_whatever_the_mixes(client, tmp_path):
    import torch

    from styleforge.models import GENERATORS, save_pretrained

    torch.manual_seed(0)
    folder = save_pretrained(GENERATORS.create("light_multi", styles=2, base_channels=4, blocks=1), tmp_path / "m",
                             metadata={"task": "image", "styles": ["a", "b"]})
    files = {"config": ("config.json", (folder / "config.json").read_bytes()),
             "weights": ("model.safetensors", (folder / "model.safetensors").read_bytes())}
    assert client.post("/api/models", data={"name": "duo"}, files=files).status_code == 200
    for i in range(12):
        r = client.post("/api/stylize", files={"image": ("a.png", _png())},
                        data={"mix": json.dumps({"upload:duo#a": 1 + i, "upload:duo#b": 1})})
        assert r.status_code == 200, r.text
    assert len(client.app.state.models._cache) <= client.app.state.models.cached == 4


def test_a_killed_uploads_leftovers_do_not_break_the_model_list(tmp_path):
    import shutil

    ws = tmp_path / "ws"
    with TestClient(create_app(ws), base_url=LOCAL) as c:
        assert c.get("/api/models").status_code == 200
    for left in (ws / "models" / ".staging-0123456789ab", ws / "tmp" / "0123456789ab"):
        shutil.copytree(bundled_styles()["monet"], left)  # as a server killed mid-upload leaves it
    with TestClient(create_app(ws), base_url=LOCAL) as c:
        r = c.get("/api/models")
        assert r.status_code == 200 and "style:monet" in [m["id"] for m in r.json()["models"]]
    assert not (ws / "models" / ".staging-0123456789ab").exists() and not (ws / "tmp" / "0123456789ab").exists()


@pytest.fixture
def live_server(tmp_path):
    """The app under uvicorn on 127.0.0.1 (a real socket, so a chunked body really streams)."""
    with served(create_app(tmp_path / "ws", Limits(max_upload_bytes=2**20))) as port:
        yield port


def test_a_chunked_upload_is_cut_off_while_it_streams(live_server):
    """5 MB of a body that never ends, no Content-Length: the answer (413) must come without the rest."""
    boundary = "b0undary"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\n"
            "Content-Type: image/png\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", live_server), timeout=20) as sock:
        sock.sendall((f"POST /api/stylize HTTP/1.1\r\nHost: 127.0.0.1:{live_server}\r\nTransfer-Encoding: chunked\r\n"
                      f"Content-Type: multipart/form-data; boundary={boundary}\r\n\r\n").encode())
        chunk = b"\0" * 2**16
        try:
            sock.sendall(f"{len(head):x}\r\n".encode() + head + b"\r\n")
            for _ in range(80):
                sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        except OSError:  # the server closed the connection after answering
            pass
        answer = b""
        while b"request too large" not in answer and (part := sock.recv(4096)):
            answer += part
        answer = answer.decode("latin-1")
    assert answer.startswith("HTTP/1.1 413") and "request too large" in answer, answer[:200]


def test_paths_are_cut_from_messages_but_fractions_are_not():
    from styleforge.web.security import without_paths

    assert without_paths("/srv/ws/tmp/0a1b/config.json: bad") == "config.json: bad"
    assert without_paths("C:\\ws\\models\\x.safetensors: no") == "x.safetensors: no"
    assert without_paths("within 1/255 of fp32") == "within 1/255 of fp32"
