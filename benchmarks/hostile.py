"""Hostile and broken input, every case of issue #23 in one run: model files (CLI and web upload), bad
image files, other web pages and machines driving the app, resource exhaustion, and faults during work
(full disk, kills, corrupt video, changed data). Prints counts and writes JSON:

    python benchmarks/hostile.py --json out/bench_hostile.json

Each case ends as one of: refused (a clean one-line refusal / 4xx JSON), handled (the work went on as it
should: resumed, skipped and kept, adopted), crash (a traceback, a 500, a hang, a wrong exit status),
hole (another page or machine got through, or a resource grew without bound), lost (finished work gone).
The target is 0 crashes, 0 holes, 0 lost.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from bad_inputs import build_corpus  # noqa: E402
from hostile_models import build_model_cases, safetensors_cases  # noqa: E402

RESULTS: list[dict] = []


def record(group: str, name: str, outcome: str, detail: str = "") -> None:
    RESULTS.append({"group": group, "case": name, "outcome": outcome, "detail": detail[:300]})
    mark = {"refused": ".", "handled": ".", "crash": "C", "hole": "H", "lost": "L"}[outcome]
    print(f"  [{mark}] {group:10s} {name:44s} {outcome:8s} {detail[:110]}", flush=True)


def guarded(group: str, name: str):
    """Run a case function; an exception out of it is a crash of the case."""
    def wrap(fn):
        try:
            outcome, detail = fn()
        except Exception as exc:  # the case itself blew up: count it, keep going
            outcome, detail = "crash", f"{type(exc).__name__}: {exc} {traceback.format_exc(limit=2)[-200:]}"
        record(group, name, outcome, detail)
        return fn
    return wrap


def cli(argv: list[str]) -> tuple[int, str]:
    from styleforge.cli import main

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            code = main(argv)
        except SystemExit as exc:
            code = exc.code
        except BaseException as exc:  # an escaped exception is what a user sees as a traceback
            return 99, f"Traceback: {type(exc).__name__}: {exc}"
    return code, err.getvalue().strip()


def one_line_refusal(code: int, err: str) -> bool:
    return code == 2 and "\n" not in err and "Traceback" not in err and err.startswith("styleforge: error:")


def _png(w=64, h=48, seed=0) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)).save(buf, "PNG")
    return buf.getvalue()


def _clip(frames: int, width: int, height: int) -> bytes:
    import av

    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as out:
        v = out.add_stream("libx264", rate=10)
        v.width, v.height, v.pix_fmt = width, height, "yuv420p"
        for i in range(frames):
            frame = av.VideoFrame.from_ndarray(np.full((height, width, 3), 9 * i % 256, np.uint8), format="rgb24")
            for p in v.encode(frame):
                out.mux(p)
        for p in v.encode():
            out.mux(p)
    return buf.getvalue()


def web_answer(r, listed=None) -> tuple[str, str]:
    """A refused upload: 4xx with a JSON error (and, for a model, not listed afterwards)."""
    try:
        body = r.json()
    except ValueError:
        return "crash", f"HTTP {r.status_code}, not JSON: {r.text[:80]}"
    if r.status_code >= 500:
        return "crash", f"HTTP {r.status_code}: {body}"
    if r.status_code < 400 or listed:
        return "hole", f"accepted: HTTP {r.status_code} {str(body)[:80]}"
    return "refused", f"HTTP {r.status_code}: {body.get('error', '')}"


# ---------------------------------------------------------------------------------------------- groups

def model_files(root: Path) -> None:
    from fastapi.testclient import TestClient

    from styleforge.web import create_app

    cases = build_model_cases(root / "models")
    Image.fromarray(np.full((40, 48, 3), 128, np.uint8)).save(root / "in.png")
    for case in cases:
        @guarded("model-cli", case.name)
        def _():
            out = root / f"{case.name}.png"
            code, err = cli(["stylize", "--model", str(case.path), "--input", str(root / "in.png"), "--output", str(out)])
            ok = one_line_refusal(code, err) and case.path.name in err and case.fragment in err and not out.exists()
            return ("refused" if ok else "crash"), err[-160:]
    with TestClient(create_app(root / "ws-models"), base_url="http://127.0.0.1") as c:
        for case in safetensors_cases(root / "web-models"):
            @guarded("model-web", case.name)
            def _():
                files = {"config": ("config.json", (case.path / "config.json").read_bytes()),
                         "weights": ("model.safetensors", (case.path / "model.safetensors").read_bytes())}
                t0 = time.perf_counter()
                r = c.post("/api/models", data={"name": case.name}, files=files)
                listed = f"upload:{case.name}" in [m["id"] for m in c.get("/api/models").json()["models"]]
                outcome, detail = web_answer(r, listed)
                if time.perf_counter() - t0 > 10:
                    outcome, detail = "hole", f"took {time.perf_counter() - t0:.0f} s to refuse"
                return outcome, detail


def image_files(root: Path) -> None:
    from fastapi.testclient import TestClient

    from styleforge.web import Limits, create_app

    corpus = build_corpus(root / "corpus")
    with TestClient(create_app(root / "ws-images", Limits(max_pixels=20_000_000)), base_url="http://127.0.0.1") as c:
        for case in corpus:
            if case.expect == "none" or not case.path.is_file():
                continue

            @guarded("image-web", case.name)
            def _():
                label = case.path.name.encode("utf-8", "backslashreplace").decode()  # as a browser would send it
                r = c.post("/api/stylize", files={"image": (label, case.path.read_bytes())},
                           data={"model": "style:monet"})
                if case.expect == "ok":
                    return ("handled" if r.status_code == 200 else "crash"), f"HTTP {r.status_code}"
                return web_answer(r)
    out = root / "corpus-out"

    @guarded("image-cli", "stylize a folder of 60+ bad and odd files")
    def _():
        code, err = cli(["stylize", "--style", "monet", "--input", str(root / "corpus"), "--output", str(out)])
        written = sum(1 for c in corpus if c.expect == "ok" and (out / c.path.relative_to(root / "corpus")).is_file())
        good = sum(c.expect == "ok" for c in corpus)
        return ("handled" if code == 0 and written == good else "crash"), f"exit {code}, {written}/{good} written"


def web_security(root: Path) -> None:
    from fastapi.testclient import TestClient

    from styleforge.web import create_app

    app = create_app(root / "ws-security", token="tok3n")
    seen_errors: list[str] = []
    with TestClient(app, base_url="http://127.0.0.1", headers={"X-Styleforge-Token": "tok3n"}) as c:
        image = {"image": ("a.png", _png())}
        probes = {
            "dns rebinding: GET /api/jobs, Host evil.example": lambda: c.get("/api/jobs", headers={"Host": "evil.example"}),
            "dns rebinding: POST /api/stylize, Host evil": lambda: c.post(
                "/api/stylize", files=image, data={"model": "style:monet"}, headers={"Host": "evil.example:7860"}),
            "cross-origin POST /api/stylize": lambda: c.post(
                "/api/stylize", files=image, data={"model": "style:monet"}, headers={"Origin": "http://evil.example"}),
            "cross-origin POST /api/models": lambda: c.post(
                "/api/models", data={"name": "x"}, files={"config": ("c", b"{}"), "weights": ("w", b"x")},
                headers={"Origin": "http://evil.example"}),
            "cross-origin POST /api/train": lambda: c.post(
                "/api/train", data={"name": "x"}, files=[("style", ("s.png", _png()))], headers={"Origin": "https://evil.example"}),
            "Origin: null POST /api/stylize": lambda: c.post(
                "/api/stylize", files=image, data={"model": "style:monet"}, headers={"Origin": "null"}),
            "Sec-Fetch-Site: cross-site GET": lambda: c.get("/api/jobs", headers={"Sec-Fetch-Site": "cross-site"}),
            "no token GET /api/models": lambda: c.get("/api/models", headers={"X-Styleforge-Token": ""}),
            "wrong token GET /api/jobs": lambda: c.get("/api/jobs", headers={"X-Styleforge-Token": "guess"}),
            "path traversal GET /api/results/..": lambda: c.get("/api/results/..%2F..%2F/etc%2Fpasswd"),
            "path traversal GET /api/jobs/../x/sample": lambda: c.get("/api/jobs/..%2Fmodels/sample"),
        }
        for name, probe in probes.items():
            @guarded("web-hole", name)
            def _():
                r = probe()
                try:
                    seen_errors.append(r.json().get("error", ""))
                except ValueError:
                    pass
                if r.status_code < 400:
                    return "hole", f"HTTP {r.status_code}"
                return ("crash" if r.status_code >= 500 else "refused"), f"HTTP {r.status_code}"
        for mix in ["{bad json", "{" * 100_000, "[1, 2]", '{"style:monet": null}', '{"style:monet": "x"}',
                    "style:monet=nan", '{"nope:x": 1}']:
            @guarded("web-input", f"mix {mix[:24]!r}")
            def _():
                r = c.post("/api/stylize", files=image, data={"mix": mix})
                seen_errors.append(r.json().get("error", "") if r.headers.get("content-type") == "application/json" else "")
                return web_answer(r)
        broken = {"config": ("config.json", b'{"format": "styleforge-model", "kind": "generator"}'),
                  "weights": ("model.safetensors", b"x" * 100)}
        seen_errors.append(c.post("/api/models", data={"name": "b"}, files=broken).json().get("error", ""))

    @guarded("web-hole", "error messages reveal server paths")
    def _():
        leaking = [e for e in seen_errors if str(root) in e or "/tmp/" in e or str(REPO) in e]
        return ("hole" if leaking else "refused"), (leaking[0] if leaking else f"{len(seen_errors)} messages checked")

    @guarded("web-hole", "serve beyond loopback without a token")
    def _():
        try:
            create_app(root / "ws-open", allowed_hosts=None)
        except ValueError:
            return "refused", "create_app refuses it"
        return "hole", "an app answering any Host without a token was built"


@contextlib.contextmanager
def live_server(workspace: Path, **limits):
    from styleforge.web import Limits, create_app
    from web_helpers import served

    app = create_app(workspace, Limits(**limits))
    with served(app) as port:
        yield app, port


def resources(root: Path) -> None:
    from fastapi.testclient import TestClient

    from styleforge.models import GENERATORS, save_pretrained
    from styleforge.web import Limits, create_app

    with live_server(root / "ws-live", max_upload_bytes=2**20) as (app, port):
        @guarded("resource", "chunked upload, no Content-Length, never ends")
        def _():
            head = (b'--b\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\n'
                    b"Content-Type: image/png\r\n\r\n")
            with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
                sock.sendall((f"POST /api/stylize HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nTransfer-Encoding: chunked\r\n"
                              "Content-Type: multipart/form-data; boundary=b\r\n\r\n").encode())
                try:
                    sock.sendall(f"{len(head):x}\r\n".encode() + head + b"\r\n")
                    for _ in range(200):  # 13 MB against a 3 MB limit
                        sock.sendall(b"10000\r\n" + b"\0" * 0x10000 + b"\r\n")
                except OSError:
                    pass
                answer = b""
                try:
                    while b"\r\n\r\n" not in answer and (part := sock.recv(4096)):
                        answer += part
                except socket.timeout:
                    return "hole", "no answer: the server waits for the whole body"
            spooled = sum(f.stat().st_size for f in Path(tempfile.gettempdir()).glob("tmp*") if f.is_file())
            ok = answer.startswith(b"HTTP/1.1 413")
            return ("refused" if ok else "hole"), f"{answer[:30]!r}; temp files {spooled / 2**20:.1f} MB"

    with TestClient(create_app(root / "ws-res", Limits(max_video_pixels=8_300_000)), base_url="http://127.0.0.1") as c:
        @guarded("resource", "25 distinct mixes of a multi-style model")
        def _():
            folder = save_pretrained(GENERATORS.create("light_multi", styles=2, base_channels=8, blocks=1),
                                     root / "duo", metadata={"task": "image", "styles": ["a", "b"]})
            files = {"config": ("config.json", (folder / "config.json").read_bytes()),
                     "weights": ("model.safetensors", (folder / "model.safetensors").read_bytes())}
            c.post("/api/models", data={"name": "duo"}, files=files)
            for i in range(25):
                c.post("/api/stylize", files={"image": ("a.png", _png())},
                       data={"mix": json.dumps({"upload:duo#a": i + 1, "upload:duo#b": 1})})
            size = len(c.app.state.models._cache)
            return ("refused" if size <= c.app.state.models.cached else "hole"), f"{size} stylisers cached"

        @guarded("resource", "video with 4096x2304 frames (9.4 MP)")
        def _():
            r = c.post("/api/video", files={"video": ("big.mp4", _clip(1, 4096, 2304))}, data={"model": "style:monet"})
            left = list((c.app.state.workspace.root / "jobs").iterdir())
            outcome, detail = web_answer(r)
            return (outcome if not left else "hole"), detail + (f"; {len(left)} job folders left" if left else "")

        style = [("style", (f"s{i}.png", _png(80, 80, i))) for i in range(10)]

        @guarded("resource", "a second training while one runs")
        def _():
            first = c.post("/api/train", data={"name": "a", "steps": "100000", "size": "32"}, files=style).json()["id"]
            second = c.post("/api/train", data={"name": "b", "steps": "100000", "size": "32"}, files=style)
            c.post(f"/api/jobs/{first}/cancel")
            return web_answer(second)

        @guarded("resource", "a second video while one runs, then cancel")
        def _():
            first = c.post("/api/video", files={"video": ("a.mp4", _clip(600, 64, 48))}, data={"model": "style:monet"}).json()
            second = c.post("/api/video", files={"video": ("b.mp4", _clip(4, 64, 48))}, data={"model": "style:monet"})
            status = c.post(f"/api/jobs/{first['id']}/cancel").json()["status"]
            outcome, detail = web_answer(second)
            return (outcome if status == "cancelled" else "hole"), f"{detail}; first job {status}"

        @guarded("resource", "refused training upload leaves nothing")
        def _():
            before = len(list((c.app.state.workspace.root / "jobs").iterdir()))
            broken = style[:9] + [("style", ("bad.png", b"\x89PNG broken"))]
            r1 = c.post("/api/train", data={"name": "x"}, files=broken)
            r2 = c.post("/api/train", data={"name": "x", "preset": "nope"}, files=style)
            after = len(list((c.app.state.workspace.root / "jobs").iterdir()))
            return ("refused" if after == before and r1.status_code == r2.status_code == 400 else "hole"), \
                f"HTTP {r1.status_code}/{r2.status_code}, job folders {before} -> {after}"


def _train_cmd(out: Path, steps: int, extra=()) -> list[str]:
    return [sys.executable, "-m", "styleforge", "train", "dcgan", "--preset", "shapes", "--steps", str(steps),
            "--out", str(out), "--set", "train.progress=false", "--set", "train.tensorboard=false",
            "--set", "train.eval_every=0", "--set", "train.checkpoint_every=5", "--set", "train.sample_every=1000",
            *extra]


def faults(root: Path) -> None:
    from safetensors.torch import load_file

    @guarded("fault", "disk full while checkpointing (RLIMIT_FSIZE 64 KB)")
    def _():
        code = ("import resource, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
                "resource.setrlimit(resource.RLIMIT_FSIZE, (65536, 65536)); from styleforge.cli import main; "
                f"sys.exit(main({_train_cmd(root / 'full', 3)[3:]!r}))")
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
        last = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ""
        ok = done.returncode == 2 and "Traceback" not in done.stderr and "cannot write the checkpoint" in last
        return ("refused" if ok else "crash"), last[-150:]

    @guarded("fault", "SIGKILL mid-training, then resume: bit-identical")
    def _():
        straight = subprocess.run(_train_cmd(root / "straight", 30), capture_output=True, timeout=600)
        proc = subprocess.Popen(_train_cmd(root / "killed", 30), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and not list((root / "killed").glob("*/checkpoint.pt")):
            time.sleep(0.05)
        time.sleep(0.3)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        run = next((root / "killed").iterdir())
        resumed = subprocess.run([sys.executable, "-m", "styleforge", "train", "--resume", str(run)], capture_output=True,
                                 timeout=600)
        a = load_file(str(next((root / "straight").iterdir()) / "export" / "model.safetensors"))
        b = load_file(str(run / "export" / "model.safetensors"))
        same = straight.returncode == resumed.returncode == 0 and all((a[k] == b[k]).all() for k in a)
        return ("handled" if same else "lost"), "resumed to the uninterrupted weights" if same else "weights differ"

    @guarded("fault", "resume after style images were deleted")
    def _():
        folder = root / "imgs"
        folder.mkdir()
        for i in range(8):
            Image.new("RGB", (40, 40), (i * 30, 100, 200)).save(folder / f"{i}.png")
        cmd = _train_cmd(root / "changed", 2, ["--set", f"data.style={folder}", "--set", "train.batch_size=4"])
        subprocess.run(cmd, capture_output=True, timeout=300, check=True)
        for i in range(3):
            (folder / f"{i}.png").unlink()
        run = next((root / "changed").iterdir())
        done = subprocess.run([sys.executable, "-m", "styleforge", "train", "--resume", str(run), "--steps", "3"],
                              capture_output=True, text=True, timeout=300)
        ok = done.returncode == 0 and "the data changed since this run started" in done.stderr
        return ("handled" if ok else "crash"), "warned" if ok else done.stderr[-150:]

    @guarded("fault", "one corrupt packet in a video")
    def _():
        sys.path.insert(0, str(REPO / "tests" / "inference"))
        from test_video import _mjpeg_with_one_corrupt_packet

        from styleforge.models import GENERATORS, save_pretrained

        model = save_pretrained(GENERATORS.create("light", base_channels=4, blocks=1), root / "vmodel",
                                metadata={"task": "image"})
        clip = _mjpeg_with_one_corrupt_packet(root / "corrupt.avi")
        code, err = cli(["stylize-video", str(clip), str(root / "corrupt_out.mp4"), "--model", str(model)])
        import av
        with av.open(str(root / "corrupt_out.mp4")) as c:
            frames = sum(1 for _ in c.decode(video=0))
        return ("handled" if code == 0 and frames == 11 else "lost"), f"exit {code}, {frames} of 12 frames kept"

    @guarded("fault", "--out names an existing file")
    def _():
        (root / "taken").write_text("x")
        code, err = cli(_train_cmd(root / "taken", 1)[3:])
        return ("refused" if one_line_refusal(code, err) and "is a file, not a folder" in err else "crash"), err[-120:]

    @guarded("fault", "stylize over its pixel limit names --max-megapixels")
    def _():
        Image.new("RGB", (300, 200)).save(root / "wide.png")
        code, err = cli(["stylize", "--style", "monet", "--input", str(root / "wide.png"), "--output",
                         str(root / "wide_out.png"), "--max-megapixels", "0.05"])
        return ("refused" if one_line_refusal(code, err) and "--max-megapixels" in err else "crash"), err[-120:]

    server_faults(root)


def server_faults(root: Path) -> None:
    sys.path.insert(0, str(REPO / "tests" / "web"))
    from fastapi.testclient import TestClient
    from test_jobs import _bound_port

    from styleforge.web import create_app

    style = [("style", (f"s{i}.png", _png(80, 80, i))) for i in range(10)]

    @guarded("fault", "server killed during a web training: adopted")
    def _():
        ws = root / "ws-orphan"
        with TestClient(create_app(ws), base_url="http://127.0.0.1") as c:
            ident = c.post("/api/train", data={"name": "o", "steps": "100000", "size": "32"}, files=style).json()["id"]
            while c.get(f"/api/jobs/{ident}").json()["step"] == 0:
                time.sleep(0.3)
            orphan = c.app.state.jobs._procs.pop(ident)  # as a SIGKILLed server leaves it: running, untracked
        with TestClient(create_app(ws), base_url="http://127.0.0.1") as c:
            running = c.get(f"/api/jobs/{ident}").json()["status"]
            c.post(f"/api/jobs/{ident}/cancel")
            deadline = time.monotonic() + 120
            while c.get(f"/api/jobs/{ident}").json()["status"] == "running" and time.monotonic() < deadline:
                time.sleep(0.3)
            job = c.get(f"/api/jobs/{ident}").json()
            listed = job.get("model_id") in [m["id"] for m in c.get("/api/models").json()["models"]]
        orphan.wait(30)
        ok = running == "running" and job["status"] == "cancelled" and listed
        return ("handled" if ok else "lost"), f"after restart {running}, then {job['status']}, listed {listed}"

    @guarded("fault", "SIGTERM to the server during a video and a training")
    def _():
        import httpx

        ws = root / "ws-term"
        server = subprocess.Popen([sys.executable, "-m", "styleforge", "serve", "--workspace", str(ws), "--port", "0"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            token = server.stdout.readline().split("token=")[1].split()[0]
            http = httpx.Client(base_url=f"http://127.0.0.1:{_bound_port(server.pid)}",
                                headers={"X-Styleforge-Token": token}, timeout=60)
            train = http.post("/api/train", data={"name": "t", "steps": "100000", "size": "32"}, files=style).json()["id"]
            http.post("/api/video", files={"video": ("a.mp4", _clip(2000, 64, 48))}, data={"model": "style:monet"})
            while http.get(f"/api/jobs/{train}").json()["step"] == 0:
                time.sleep(0.3)
            pid = json.loads((ws / "jobs" / train / "job.json").read_text())["pid"]
            server.send_signal(signal.SIGTERM)
            _, err = server.communicate(timeout=120)
        finally:
            server.kill()
        time.sleep(1)
        alive = os.path.exists(f"/proc/{pid}") and open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] != "Z"
        ok = server.returncode == 0 and "terminate called" not in err and not alive
        return ("handled" if ok else "crash"), f"exit {server.returncode}, trainer left running {alive}"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--json", default="out/bench_hostile.json")
    p.add_argument("--groups", default="models,images,security,resources,faults")
    args = p.parse_args()
    import torch

    torch.set_num_threads(min(2, os.cpu_count() or 1))
    groups = {"models": model_files, "images": image_files, "security": web_security, "resources": resources,
              "faults": faults}
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="hostile-") as tmp:
        for name in args.groups.split(","):
            print(f"{name}:", flush=True)
            (Path(tmp) / name).mkdir()
            groups[name](Path(tmp) / name)
    counts = {k: sum(r["outcome"] == k for r in RESULTS) for k in ("refused", "handled", "crash", "hole", "lost")}
    summary = {"cases": len(RESULTS), **counts, "seconds": round(time.perf_counter() - t0, 1), "results": RESULTS}
    print(f"\n{len(RESULTS)} cases: {counts['refused']} refused cleanly, {counts['handled']} handled, "
          f"{counts['crash']} crashes, {counts['hole']} security holes, {counts['lost']} lost work "
          f"({summary['seconds']} s)")
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(summary, indent=2))
    sys.exit(1 if counts["crash"] or counts["hole"] or counts["lost"] else 0)


if __name__ == "__main__":
    main()
