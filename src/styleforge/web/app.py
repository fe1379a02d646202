"""`styleforge serve`: a local web app (FastAPI + one HTML page) over the library API.

Stylise images and videos with any bundled, uploaded or freshly trained style; train a personal style in a
background process; mix styles with sliders. Imports no training code.
"""
from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import shutil
import time
from importlib import resources
from pathlib import Path
from typing import Callable

from fastapi import FastAPI, File, Form, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse

from .. import run_folder as rf
from ..errors import StyleforgeError
from ..imageio import open_image, save_array
from ..inference import bundled_styles
from ..inference.fusion import FusedStylizer
from ..inference.styles import parse_weighted
from ..inference.stylizer import Stylizer, StylizerBase
from ..models import read_model_config
from .jobs import PRESETS, Jobs, check_preset
from .security import LOOPBACK, Guard, without_paths
from .workspace import Limits, UploadError, Workspace, new_id, safe_name


class Gate:
    """At most `concurrent` computations at once and `queue` waiting; a request beyond that is told "busy"."""

    def __init__(self, concurrent: int, queue: int):
        self.semaphore, self.limit, self.pending = asyncio.Semaphore(concurrent), concurrent + queue, 0

    async def run(self, fn, *args):
        if self.pending >= self.limit:
            raise UploadError(f"busy: {self.pending} requests are being served or waiting; try again shortly", 503)
        self.pending += 1
        try:
            async with self.semaphore:
                return await run_in_threadpool(fn, *args)
        finally:
            self.pending -= 1


class Models:
    """Model ids -> stylisers: 'style:NAME' (bundled), 'upload:NAME' (workspace/models), 'job:ID' (trained).
    The last `cached` stylisers opened stay loaded (each mix of a multi-style model is one)."""

    def __init__(self, workspace: Workspace, jobs: Jobs, cached: int = 4, runs: Path | None = None):
        """`runs`: a folder of CLI run folders (`styleforge train --out`), whose exports are listed as 'run:NAME'."""
        self.ws, self.jobs, self.cached, self._cache = workspace, jobs, cached, collections.OrderedDict()
        self.runs = Path(runs).resolve() if runs else None

    def list(self) -> list[dict]:
        """Every model; a multi-style model also as one entry per style, id 'MODEL#STYLE'."""
        day = lambda t: time.strftime("%Y-%m-%d %H:%M", time.localtime(t))  # noqa: E731
        items = [{"id": f"style:{n}", "label": f"{n} (bundled)"} for n in bundled_styles()]
        for folder in sorted((self.ws.root / "models").iterdir()):
            if not folder.name.startswith(".") and (folder / "config.json").is_file():
                items.append({"id": f"upload:{folder.name}",
                              "label": f"{folder.name} (uploaded {day((folder / 'config.json').stat().st_mtime)})"})
        for job in self.jobs.all():
            if job["kind"] == "train" and job.get("model_id"):
                images = job.get("style_images")
                items.append({"id": job["model_id"], "label": f"{job['name']} (trained here {day(job['created'])}"
                              + (f" from {images} images" if images else "") + f", {job['preset']})"})
        for folder in self.run_exports():
            items.append({"id": f"run:{folder.parent.name}",
                          "label": f"{folder.parent.name} (run folder, {day((folder / 'config.json').stat().st_mtime)})"})
        seen: dict[str, int] = {}
        for item in items:  # two trainings named alike: 'name (...)' and 'name #2 (...)'
            base, _, rest = item["label"].partition(" (")
            seen[base] = seen.get(base, 0) + 1
            if seen[base] > 1:
                item["label"] = f"{base} #{seen[base]} ({rest}"
        out = []
        for item in items:
            try:
                names = self.style_names(item["id"])
            except StyleforgeError:  # removed meanwhile, or a folder put there by hand that is no model
                continue
            out.append(item)
            out += [{"id": f"{item['id']}#{n}", "label": f"{item['label'].split(' (')[0]}: {n}"} for n in names]
        return out

    def run_exports(self) -> list[Path]:
        """Exports of the CLI's run folders under `runs` (newest last)."""
        if self.runs is None or not self.runs.is_dir():
            return []
        return [e for e in map(rf.export_of, sorted(self.runs.iterdir())) if e is not None]

    def style_names(self, model_id: str) -> list[str]:
        folder = self.folder(model_id)
        meta = read_model_config(folder).get("metadata", {})
        if "styles" not in meta:
            return []
        from ..models.adapters import adapter_files
        return list(meta["styles"]) + [p.stem for p in adapter_files(folder)]

    def folder(self, model_id: str) -> Path:
        kind, _, name = model_id.partition(":")
        if kind == "style" and name in bundled_styles():
            return bundled_styles()[name]
        if kind == "upload" and (self.ws.model_folder(name) / "config.json").is_file():
            return self.ws.model_folder(name)
        if kind == "job":
            folder = self.jobs.export_dir(name)
            if folder is not None:
                return folder
        if kind == "run":
            folder = next((p for p in self.run_exports() if p.parent.name == name), None)
            if folder is not None:
                return folder
        raise UploadError(f"unknown model '{safe_name(model_id)}'", 404)

    def stylizer(self, model_id: str, styles: str | dict | None = None) -> Stylizer:
        """The stylizer of 'MODEL' or 'MODEL#STYLE' (or MODEL with a {style: weight} mix)."""
        model_id, _, style = model_id.partition("#")
        folder = self.folder(model_id)
        styles = styles or style or None
        key = (model_id, json.dumps(styles, sort_keys=True), (folder / "model.safetensors").stat().st_mtime,
               len(list((folder / "adapters").glob("*.safetensors"))) if (folder / "adapters").is_dir() else 0)
        if key not in self._cache:
            self._cache[key] = Stylizer.from_pretrained(folder, styles=styles, amp="auto")
            while len(self._cache) > self.cached:
                self._cache.popitem(last=False)
        self._cache.move_to_end(key)
        return self._cache[key]

    def mix(self, spec: str) -> StylizerBase:
        """'id=w,id=w' (JSON object {id: w} also accepted) -> one stylizer blending the styles. Styles of one
        multi-style model ('MODEL#STYLE') are mixed inside it (their codes); separate models by output."""
        weights = parse_mix(spec)
        chosen = [(k, w) for k, w in weights.items() if w > 0]
        if not chosen:
            raise UploadError("give at least one style a weight above 0")
        groups: dict[str, dict[str, float]] = {}
        for k, w in chosen:
            model_id, _, style = k.partition("#")
            groups.setdefault(model_id, {})[style] = w
        parts = []
        for model_id, styles in groups.items():
            total = sum(styles.values())
            named = {s: w for s, w in styles.items() if s}
            parts.append((self.stylizer(model_id, named or None) if not styles.keys() - named.keys()
                          else self.stylizer(model_id), total))
        if len(parts) == 1:
            return parts[0][0]
        return FusedStylizer([p for p, _ in parts], [w for _, w in parts])


def parse_mix(spec: str) -> dict[str, float]:
    """'id=w,id=w' or a JSON object {id: w} -> {id: w}, refusing anything else with an UploadError (400)."""
    if len(spec) > 10_000:
        raise UploadError("mix: too long")
    if not spec.strip().startswith(("{", "[")):
        try:
            return dict(parse_weighted(spec))
        except (StyleforgeError, ValueError) as exc:
            raise UploadError(f"mix: {exc}") from None
    try:
        weights = json.loads(spec)
    except (ValueError, RecursionError):
        raise UploadError("mix: not valid JSON; give {\"MODEL_ID\": weight, ...} or MODEL_ID=weight,...") from None
    if not isinstance(weights, dict) or not all(
            isinstance(w, (int, float)) and not isinstance(w, bool) and 0 <= w < float("inf") for w in weights.values()):
        raise UploadError("mix: give {\"MODEL_ID\": weight, ...} with weights that are numbers >= 0")
    return {str(k): float(w) for k, w in weights.items()}


async def save_upload(upload: UploadFile, dest: Path, limit: int) -> Path:
    """Copy an upload to `dest` in chunks, refusing it once it passes `limit` bytes."""
    size, label = 0, safe_name(upload.filename or "upload")
    dest.parent.mkdir(parents=True, exist_ok=True)
    with open(dest, "wb") as out:
        while chunk := await upload.read(1 << 20):
            size += len(chunk)
            if size > limit:
                out.close()
                dest.unlink(missing_ok=True)
                raise UploadError(f"{label}: file too large (limit {limit // 2**20} MB)", 413)
            out.write(chunk)
    if size == 0:
        dest.unlink(missing_ok=True)
        raise UploadError(f"{label}: empty file")
    return dest


_SUFFIX = {"JPEG": ".jpg", "MPO": ".jpg", "PNG": ".png", "WEBP": ".webp", "GIF": ".gif", "BMP": ".bmp", "TIFF": ".tif"}


def decode_upload(path: Path, label: str, read):
    """`read(path)` (a decoder with its pixel limit), refusing the file as the upload `label`: the file's
    content, not its name, decides. A refused file is deleted."""
    try:
        return read(path)
    except StyleforgeError as exc:
        path.unlink(missing_ok=True)
        reason = getattr(exc, "reason", str(exc))
        raise UploadError(f"{label}: {reason}", 413 if "exceeds the limit" in reason else 400) from None


def check_image(path: Path, label: str, max_pixels: int) -> Path:
    """decode_upload, then the file renamed with the suffix of its real format (other formats are re-saved
    as PNG), so that folder listings by extension find it."""
    from PIL import Image

    im = decode_upload(path, label, lambda p: open_image(p, max_pixels=max_pixels))
    with Image.open(path) as raw:
        fmt = raw.format
    target = path.with_name(path.stem + _SUFFIX.get(fmt, ".png"))
    if fmt in _SUFFIX:
        path.rename(target)
    else:
        im.save(target)
        path.unlink()
    return target


def body_limit(limits: Limits) -> Callable[[str], int]:
    """Route -> the largest request body it accepts (the uploads it takes, plus 1 MB of form fields)."""
    form = 2**20
    routes = {"/api/video": limits.max_video_bytes, "/api/train": limits.max_train_bytes,
              "/api/stylize": 2 * limits.max_upload_bytes, "/api/models": limits.max_upload_bytes + 2**20}
    return lambda path: routes.get(path, 0) + form


def create_app(workspace: str | Path, limits: Limits | None = None, token: str | None = None,
               allowed_hosts: set[str] | frozenset[str] | None = LOOPBACK, runs: str | Path | None = None) -> FastAPI:
    """`token`: required on every request when given (see web.security); `allowed_hosts`: the Host names
    the app answers (None: any, for a server bound beyond loopback, which must then have a token); `runs`:
    a folder of CLI run folders whose exports are listed too."""
    if allowed_hosts is None and token is None:
        raise ValueError("an app that answers any Host must have an access token")
    ws = Workspace(workspace, limits)
    jobs = Jobs(ws)
    models = Models(ws, jobs, runs=runs)
    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield
        jobs.shutdown()  # running trainings checkpoint and stop with the server

    app = FastAPI(title="styleforge", docs_url=None, redoc_url=None, lifespan=lifespan)
    app.state.workspace, app.state.jobs, app.state.models, app.state.gate = ws, jobs, models, None

    def gate() -> Gate:  # created inside the server's event loop
        if app.state.gate is None:
            app.state.gate = Gate(ws.limits.concurrent, ws.limits.queue)
        return app.state.gate

    app.add_middleware(Guard, token=token, allowed_hosts=None if allowed_hosts is None else set(allowed_hosts),
                       body_limit=body_limit(ws.limits))

    @app.exception_handler(StyleforgeError)
    async def _error(request: Request, exc: StyleforgeError):
        return JSONResponse({"error": without_paths(str(exc))}, status_code=getattr(exc, "status", 400))

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception):  # a JSON answer, no traceback or server path
        return JSONResponse({"error": f"internal error ({type(exc).__name__}); the server keeps running"},
                            status_code=500)

    @app.get("/", response_class=HTMLResponse)
    def page():
        return (resources.files("styleforge.web") / "page.html").read_text(encoding="utf-8")

    @app.get("/api/models")
    def list_models():
        return {"models": models.list(), "presets": list(PRESETS)}

    @app.post("/api/models")
    async def upload_model(name: str = Form(...), config: UploadFile = File(...), weights: UploadFile = File(...)):
        """A model is config.json + model.safetensors only; it is validated by loading it before it is listed."""
        staging = ws.staging()
        try:
            await save_upload(config, staging / "config.json", 2**20)
            await save_upload(weights, staging / "model.safetensors", ws.limits.max_upload_bytes)
            read_model_config(staging)
            await run_in_threadpool(Stylizer.from_pretrained, staging)
            target = ws.model_folder(name)
            if target.exists():
                raise UploadError(f"a model named '{target.name}' exists already; choose another name", 409)
            staging.rename(target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return {"id": f"upload:{target.name}"}

    @app.post("/api/stylize")
    async def stylize(image: UploadFile = File(...), model: str = Form(""), mix: str = Form(""),
                      strength: float = Form(1.0), preserve_color: bool = Form(False),
                      mask: UploadFile | None = File(None)):
        rid = new_id()
        folder = ws.folder("results", rid)
        label = safe_name(image.filename or "image", "image")
        src = await save_upload(image, folder / "upload", ws.limits.max_upload_bytes)
        mask_path = mask_label = None
        if mask is not None and mask.filename:
            mask_path = await save_upload(mask, folder / "mask_upload", ws.limits.max_upload_bytes)
            mask_label = safe_name(mask.filename, "mask")
        stylizer = models.mix(mix) if mix else models.stylizer(model)

        def work():  # in a worker thread: each upload is decoded once, off the event loop
            import numpy as np

            from ..inference.masks import load_mask

            t0, limit = time.perf_counter(), ws.limits.max_pixels
            photo = decode_upload(src, label, lambda p: np.asarray(open_image(p, max_pixels=limit)))
            mask_array = None if mask_path is None else \
                decode_upload(mask_path, mask_label, lambda p: load_mask(p, *photo.shape[:2], limit))
            out = stylizer.stylize_array(photo, strength, preserve_color, mask=mask_array, feather_radius=8)
            save_array(photo, folder / "input.png")
            save_array(out, folder / "output.png")
            return photo.shape, time.perf_counter() - t0

        shape, seconds = await gate().run(work)
        return {"id": rid, "width": shape[1], "height": shape[0], "seconds": round(seconds, 3),
                "input_url": f"/api/results/{rid}/input.png", "output_url": f"/api/results/{rid}/output.png",
                "download_name": f"{Path(label).stem}_styled.png"}

    @app.get("/api/results/{rid}/{name}")
    def result_file(rid: str, name: str):
        return FileResponse(ws.file("results", rid, name))

    @app.post("/api/video")
    async def video(video: UploadFile = File(...), model: str = Form(...), strength: float = Form(1.0),
                    stabilize: float = Form(0.7)):
        import av

        from ..inference.video import check_video_size

        jobs.refuse_if_video_busy()  # before the upload is saved (start_video checks again)
        stylizer = models.stylizer(model)
        ident, folder = jobs.new_folder()
        label = safe_name(video.filename or "video.mp4", "video.mp4")
        try:  # a refused upload leaves nothing behind
            src = await save_upload(video, folder / "input", ws.limits.max_video_bytes)
            try:
                with av.open(str(src)) as container:
                    stream = next((s for s in container.streams if s.type == "video"), None)
                    if stream is None:
                        raise UploadError(f"{label}: no video stream")
                    check_video_size(Path(label), stream.codec_context.width, stream.codec_context.height,
                                     ws.limits.max_video_pixels)
            except av.FFmpegError:
                raise UploadError(f"{label}: not a video file PyAV can read") from None
            except StyleforgeError as exc:
                raise UploadError(str(exc), 413) from None
            return jobs.start_video(ident, stylizer, src, strength, stabilize, name=label)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise

    @app.post("/api/train")
    async def train(name: str = Form(...), preset: str = Form("fast"), steps: int = Form(100_000),
                    size: int = Form(128), minutes: float | None = Form(None), style: list[UploadFile] = File(...),
                    content: list[UploadFile] | None = File(None)):
        count, lim = len(style), ws.limits
        if not lim.min_style_images <= count <= lim.max_style_images:
            raise UploadError(f"give {lim.min_style_images} to {lim.max_style_images} style images (got {count}): "
                              "fewer are memorised rather than learned, more add little")
        if len(content or []) > lim.max_content_images:
            raise UploadError(f"give at most {lim.max_content_images} photos (got {len(content)})")
        check_preset(preset)
        jobs.refuse_if_training()  # before the uploads are saved (start_training checks again)
        if not 1 <= steps <= 100_000 or not 32 <= size <= 512 or not (minutes is None or 0.05 <= minutes <= 600):
            raise UploadError("steps must be in 1..100000, size in 32..512 and minutes in 0.05..600")
        ident, folder = jobs.new_folder()
        try:
            for role, files in (("style", style), ("content", [f for f in content or [] if f.filename])):
                for i, upload in enumerate(files):
                    label = safe_name(upload.filename or f"{role}{i}")
                    path = await save_upload(upload, folder / role / f"{i:03d}", ws.limits.max_upload_bytes)
                    await run_in_threadpool(check_image, path, label, ws.limits.max_pixels)
            if not (folder / "content").is_dir():
                from ..data.sample_photos import write_content_crops
                await run_in_threadpool(write_content_crops, folder / "content", 24, max(size + 16, 144))
            return jobs.start_training(ident, safe_name(name, "style"), folder / "style", folder / "content",
                                       preset, steps, size, minutes)
        except BaseException:  # a refused upload leaves nothing behind
            shutil.rmtree(folder, ignore_errors=True)
            raise

    @app.get("/api/jobs")
    def list_jobs():
        return {"jobs": jobs.all()}

    @app.get("/api/jobs/{ident}")
    def job(ident: str):
        return jobs.status(ident)

    @app.post("/api/jobs/{ident}/cancel")
    def cancel(ident: str):
        return jobs.cancel(ident)

    @app.post("/api/jobs/{ident}/resume")
    def resume(ident: str):
        return jobs.resume_training(ident)

    @app.get("/api/jobs/{ident}/sample")
    def sample(ident: str):
        return FileResponse(jobs.sample(ident), headers={"Cache-Control": "no-store"})

    @app.get("/api/jobs/{ident}/output")
    def output(ident: str):
        return FileResponse(jobs.output(ident), media_type="video/mp4", filename=f"styled_{ident}.mp4")

    return app


def serve(workspace: str | Path, host: str = "127.0.0.1", port: int = 7860, limits: Limits | None = None,
          token: str | None = None, runs: str | Path | None = "runs") -> None:
    """Serve on host:port with an access token (a fresh one per start unless given), printed in the URL to
    open. On loopback only requests addressed to loopback names are answered; beyond it, any Host with the
    token."""
    import secrets

    import uvicorn

    token = token or secrets.token_urlsafe(24)
    loopback = host in LOOPBACK
    if not loopback:
        print(f"note: listening on {host}: other machines can reach the app; it answers only requests "
              "with the access token in the address below")
    shown = f"[{host}]" if ":" in host else host
    print(f"styleforge web app: http://{shown}:{port}/?token={token}  (workspace: {Path(workspace).resolve()})")
    app = create_app(workspace, limits, token=token, allowed_hosts=LOOPBACK if loopback else None, runs=runs)
    uvicorn.run(app, host=host, port=port, log_level="warning")
