"""The web app's API (in-process client): stylise, limits, type checks by content, workspace confinement,
model upload validation, busy answers, training jobs that finish and can be cancelled."""
import io
import json

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from styleforge.inference import bundled_styles
from styleforge.web import Limits, create_app
from web_helpers import png_bytes, wait_for_job


_png = png_bytes


@pytest.fixture
def client(tmp_path):
    app = create_app(tmp_path / "ws", Limits(max_upload_bytes=8 * 2**20, max_pixels=2_000_000))
    with TestClient(app, base_url="http://127.0.0.1") as c:
        yield c


def test_page_and_models(client):
    assert "styleforge" in client.get("/").text
    ids = [m["id"] for m in client.get("/api/models").json()["models"]]
    assert "style:monet" in ids


def test_stylize_returns_downloadable_full_resolution_result(client):
    r = client.post("/api/stylize", files={"image": ("holiday photo.png", _png(90, 70))},
                    data={"model": "style:monet", "strength": "1"})
    assert r.status_code == 200, r.text
    body = r.json()
    out = Image.open(io.BytesIO(client.get(body["output_url"]).content))
    inp = np.asarray(Image.open(io.BytesIO(client.get(body["input_url"]).content)), dtype=float)
    assert out.size == (90, 70) and np.abs(np.asarray(out, dtype=float) - inp).mean() > 3
    assert body["download_name"] == "holiday_photo_styled.png"
    zero = client.post("/api/stylize", files={"image": ("a.png", _png(90, 70))}, data={"model": "style:monet", "strength": "0"})
    same = np.asarray(Image.open(io.BytesIO(client.get(zero.json()["output_url"]).content)), dtype=float)
    assert np.abs(same - inp).max() <= 1


def test_mixing_with_one_full_weight_equals_that_style(client):
    one = client.post("/api/stylize", files={"image": ("a.png", _png())}, data={"model": "style:monet"}).json()
    mix = client.post("/api/stylize", files={"image": ("a.png", _png())},
                      data={"mix": json.dumps({"style:monet": 1.0})}).json()
    a, b = (np.asarray(Image.open(io.BytesIO(client.get(r["output_url"]).content))) for r in (one, mix))
    assert np.array_equal(a, b)


@pytest.mark.parametrize("name, content, status, fragment", [
    ("big.png", b"\x89PNG" + b"\0" * (9 * 2**20), 413, "file too large"),
    ("fake.png", b"<html>not an image</html>", 400, "not an image"),
    ("empty.jpg", b"", 400, "empty"),
    ("huge.png", None, 413, "exceeds the limit"),
], ids=["too-many-bytes", "html-named-png", "empty", "too-many-pixels"])
def test_bad_uploads_get_a_clear_message(client, name, content, status, fragment):
    if content is None:  # 2000x2000 = 4 MP > the 2 MP limit, but a small file
        buf = io.BytesIO()
        Image.new("L", (2000, 2000)).save(buf, "PNG")
        content = buf.getvalue()
    r = client.post("/api/stylize", files={"image": (name, content)}, data={"model": "style:monet"})
    assert r.status_code == status and fragment in r.json()["error"], r.text


def test_type_is_judged_by_content_not_name(client):
    r = client.post("/api/stylize", files={"image": ("photo.txt", _png())}, data={"model": "style:monet"})
    assert r.status_code == 200


def test_paths_stay_inside_the_workspace(client):
    for url in ["/api/results/..%2F..%2Fetc/passwd", "/api/results/abc/../../x", "/api/jobs/..%2F..%2F/sample",
                "/api/results/000000000000/..%2F..%2F..%2Fetc%2Fpasswd"]:
        r = client.get(url)
        assert r.status_code == 404, (url, r.status_code)
    r = client.post("/api/stylize", files={"image": ("../../../evil.png", _png())}, data={"model": "style:monet"})
    assert r.status_code == 200
    ws = client.app.state.workspace.root
    assert not (ws.parent / "evil.png").exists() and not list(ws.parent.parent.glob("evil*"))


def test_model_upload_is_validated_and_listed(client, tmp_path):
    folder = bundled_styles()["monet"]
    files = {"config": ("config.json", (folder / "config.json").read_bytes()),
             "weights": ("model.safetensors", (folder / "model.safetensors").read_bytes())}
    r = client.post("/api/models", data={"name": "my monet"}, files=files)
    assert r.status_code == 200 and r.json()["id"] == "upload:my_monet"
    assert "upload:my_monet" in [m["id"] for m in client.get("/api/models").json()["models"]]
    bad = dict(files, weights=("model.safetensors", b"\x80\x04pickle"))
    r = client.post("/api/models", data={"name": "evil"}, files=bad)
    assert r.status_code == 400 and "safetensors" in r.json()["error"]
    assert "upload:evil" not in [m["id"] for m in client.get("/api/models").json()["models"]]


def test_a_full_queue_answers_busy(client):
    gate = client.app.state.gate
    client.post("/api/stylize", files={"image": ("a.png", _png())}, data={"model": "style:monet"})
    gate = client.app.state.gate
    gate.pending = gate.limit  # as if that many requests were running or waiting
    r = client.post("/api/stylize", files={"image": ("a.png", _png())}, data={"model": "style:monet"})
    assert r.status_code == 503 and "busy" in r.json()["error"]
    gate.pending = 0


_wait = wait_for_job


def test_training_job_runs_to_the_end_and_its_model_is_listed(client, tmp_path):
    style = [("style", (f"s{i}.png", _png(80, 80, seed=i))) for i in range(10)]
    r = client.post("/api/train", data={"name": "tiny", "preset": "fast", "steps": "6", "size": "32"}, files=style)
    assert r.status_code == 200, r.text
    job = _wait(client, r.json()["id"], lambda j: j["status"] != "running")
    assert job["status"] == "done" and job["step"] == 6 and job["progress"] == 1.0, job
    # the child trained the one config file the server resolved (not flags rebuilt on a command line)
    given = json.loads(next((tmp_path / "ws").rglob("train_config.json")).read_text())
    ran = json.loads(next((tmp_path / "ws").rglob("runs/*/config.json")).read_text())
    assert given["recipe"] == ran["recipe"] == "painterly" and given["train"]["steps"] == ran["train"]["steps"] == 6
    assert {k: v for k, v in given["data"].items()} == ran["data"]
    assert job["model_id"] in [m["id"] for m in client.get("/api/models").json()["models"]]
    assert client.get(job["sample_url"]).status_code == 200
    r = client.post("/api/stylize", files={"image": ("a.png", _png())}, data={"model": job["model_id"]})
    assert r.status_code == 200


def test_training_takes_10_to_30_style_images(client):
    for n in (3, 31):
        style = [("style", (f"s{i}.png", _png(40, 40, seed=i))) for i in range(n)]
        r = client.post("/api/train", data={"name": "few", "steps": "6", "size": "32"}, files=style)
        assert r.status_code == 400 and f"10 to 30 style images (got {n})" in r.json()["error"], r.text


def test_training_job_can_be_cancelled(client):
    style = [("style", (f"s{i}.png", _png(80, 80, seed=i))) for i in range(10)]
    r = client.post("/api/train", data={"name": "long", "steps": "100000", "size": "32"}, files=style)
    ident = r.json()["id"]
    running = _wait(client, ident, lambda j: j["step"] > 0)
    assert running["phase"] == "training"  # from status.json: what the run is doing, between log lines
    second = client.post("/api/train", data={"name": "again", "steps": "10", "size": "32"}, files=style)
    assert second.status_code == 409 and "a training is running" in second.json()["error"]  # one at a time
    client.post(f"/api/jobs/{ident}/cancel")
    job = _wait(client, ident, lambda j: j["status"] != "running")
    assert job["status"] == "cancelled" and job["model_id"], job  # the trainer saved and exported on the way out


def test_a_multi_style_model_lists_its_styles_and_mixes_their_codes(client, tmp_path):
    import torch

    from styleforge.inference import Stylizer
    from styleforge.models import GENERATORS, save_pretrained

    torch.manual_seed(0)
    g = GENERATORS.create("light_multi", styles=2, base_channels=8, blocks=1)
    with torch.no_grad():
        g.head.weight.normal_(0, 0.2)
        g.codes.normal_(0, 0.5)
    folder = tmp_path / "multi"
    save_pretrained(g, folder, metadata={"task": "image", "styles": ["warm", "cool"]})
    files = {"config": ("config.json", (folder / "config.json").read_bytes()),
             "weights": ("model.safetensors", (folder / "model.safetensors").read_bytes())}
    assert client.post("/api/models", data={"name": "duo"}, files=files).status_code == 200
    ids = [m["id"] for m in client.get("/api/models").json()["models"]]
    assert {"upload:duo#warm", "upload:duo#cool"} <= set(ids)
    r = client.post("/api/stylize", files={"image": ("a.png", _png(32, 32))},
                    data={"mix": json.dumps({"upload:duo#warm": 0.5, "upload:duo#cool": 0.5})})
    assert r.status_code == 200, r.text
    got = np.asarray(Image.open(io.BytesIO(client.get(r.json()["output_url"]).content)))
    expected = Stylizer.from_pretrained(folder, styles="warm=0.5,cool=0.5", amp="auto").stylize_array(  # as the app
        np.asarray(Image.open(io.BytesIO(_png(32, 32)))))
    assert np.array_equal(got, expected)


def test_mask_keeps_the_black_area_untouched(client):
    buf = io.BytesIO()
    mask = np.zeros((70, 90), np.uint8)
    mask[:, 45:] = 255  # stylise the right half only
    Image.fromarray(mask).save(buf, "PNG")
    r = client.post("/api/stylize", files={"image": ("a.png", _png(90, 70)), "mask": ("m.png", buf.getvalue())},
                    data={"model": "style:monet"})
    assert r.status_code == 200, r.text
    out = np.asarray(Image.open(io.BytesIO(client.get(r.json()["output_url"]).content)), dtype=float)
    inp = np.asarray(Image.open(io.BytesIO(_png(90, 70))), dtype=float)
    assert np.abs(out[:, :30] - inp[:, :30]).max() <= 1  # far from the feathered edge: the photo itself
    assert np.abs(out[:, 60:] - inp[:, 60:]).mean() > 3


def test_serve_listens_on_localhost_unless_told():
    from styleforge.cli import build_parser

    args = build_parser().parse_args(["serve"])
    assert args.host == "127.0.0.1" and args.port == 7860


def test_stopping_the_server_checkpoints_running_trainings(tmp_path):
    app = create_app(tmp_path / "ws")
    style = [("style", (f"s{i}.png", _png(80, 80, seed=i))) for i in range(10)]
    with TestClient(app, base_url="http://127.0.0.1") as c:
        ident = c.post("/api/train", data={"name": "long", "steps": "100000", "size": "32"}, files=style).json()["id"]
        _wait(c, ident, lambda j: j["step"] > 0)
    proc = app.state.jobs._procs[ident]
    assert proc.poll() is not None  # stopped with the server, not left running
    run = next((tmp_path / "ws" / "jobs" / ident / "runs").iterdir())
    assert (run / "checkpoint.pt").is_file() and (run / "export" / "model.safetensors").is_file()


def test_cli_run_folders_are_listed_and_names_stay_unique(tmp_path):
    import shutil

    from styleforge.models import GENERATORS, save_pretrained

    runs = tmp_path / "runs"
    save_pretrained(GENERATORS.create("light", base_channels=4, blocks=1), runs / "00003-painterly-mine" / "export",
                    metadata={"task": "image"})
    (runs / "00004-not-finished").mkdir()  # no export yet: not listed
    with TestClient(create_app(tmp_path / "ws", runs=runs), base_url="http://127.0.0.1") as c:
        folder = tmp_path / "up"
        shutil.copytree(runs / "00003-painterly-mine" / "export", folder)
        files = {"config": ("config.json", (folder / "config.json").read_bytes()),
                 "weights": ("model.safetensors", (folder / "model.safetensors").read_bytes())}
        assert c.post("/api/models", data={"name": "monet"}, files=files).status_code == 200
        models = {m["id"]: m["label"] for m in c.get("/api/models").json()["models"]}
        assert "run:00003-painterly-mine" in models and not any("not-finished" in k for k in models)
        assert models["style:monet"] == "monet (bundled)" and models["upload:monet"].startswith("monet #2 (uploaded ")
        assert len(set(models.values())) == len(models)
        r = c.post("/api/stylize", files={"image": ("a.png", _png())}, data={"model": "run:00003-painterly-mine"})
        assert r.status_code == 200, r.text
