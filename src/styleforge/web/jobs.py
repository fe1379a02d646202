"""Background jobs of the web app: training runs (a separate `styleforge train` process, so the server
never imports training code and a crash there cannot take the server down) and video stylising (a thread).

Each job keeps its state in workspace/jobs/<id>/job.json, so a page reload, or a server restart, finds it.
"""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from ..files import atomic_write_text
from .workspace import UploadError, Workspace, new_id

#: web preset -> (recipe, preset, default minutes): both the painterly recipe, for a shorter or a longer time
PRESETS = {"fast": ("painterly", "default", 5.0), "quality": ("painterly", "default", 20.0)}


def _read_log(path: Path) -> list[dict]:
    records = []
    if path.is_file():
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return records


class Jobs:
    def __init__(self, workspace: Workspace):
        self.ws = workspace
        self._procs: dict[str, subprocess.Popen] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ records

    def _write(self, job: dict) -> None:
        atomic_write_text(self.ws.folder("jobs", job["id"]) / "job.json", json.dumps(job, indent=2))

    def _read(self, ident: str) -> dict:
        path = self.ws.folder("jobs", ident) / "job.json"
        if not path.is_file():
            raise UploadError(f"unknown job '{ident}'", 404)
        return json.loads(path.read_text(encoding="utf-8"))

    def new_folder(self) -> tuple[str, Path]:
        ident = new_id()
        folder = self.ws.folder("jobs", ident)
        folder.mkdir(parents=True)
        return ident, folder

    # ------------------------------------------------------------------ training

    def refuse_if_training(self) -> None:
        """One training at a time: an UploadError (409) naming the job while a training still runs."""
        with self._lock:
            busy = next((ident for ident, proc in self._procs.items() if proc.poll() is None), None)
        if busy:
            raise UploadError(f"a training is running (job {busy}): wait for it to finish or cancel it; "
                              "two at once would each crawl", 409)

    def start_training(self, ident: str, name: str, style_dir: Path, content_dir: Path, preset: str,
                       steps: int, size: int, minutes: float | None = None) -> dict:
        """Train in a background process until `minutes` of training are spent (the preset's default when
        None) or `steps` are done, whichever comes first."""
        if preset not in PRESETS:
            raise UploadError(f"unknown preset '{preset}'; choose one of {', '.join(PRESETS)}")
        self.refuse_if_training()
        recipe, config, default_minutes = PRESETS[preset]
        minutes = default_minutes if minutes is None else minutes
        folder = self.ws.folder("jobs", ident)
        cmd = [sys.executable, "-m", "styleforge", "train", recipe, "--preset", config, "--style", str(style_dir),
               "--content", str(content_dir), "--out", str(folder / "runs"), "--size", str(size),
               "--steps", str(steps), "--minutes", str(minutes)] + [a for kv in (
                   "train.progress=false", "train.tensorboard=false", "train.eval_every=0",
                   "data.holdout_fraction=0", "data.style_limit=0", f"train.log_every={max(1, min(20, steps // 50))}",
                   f"train.sample_every={max(1, steps // 5)}", f"train.checkpoint_every={max(1, steps // 5)}",
                   f"painterly.gather_images={max(4, min(64, steps))}", f"run.name={name}") for a in ("--set", kv)]
        job = {"id": ident, "kind": "train", "name": name, "preset": preset, "steps": steps, "size": size,
               "minutes": minutes, "created": time.time(), "status": "running"}
        self._write(job)
        log = open(folder / "train.log", "wb")
        with self._lock:
            self._procs[ident] = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=folder)
        log.close()
        return self.status(ident)

    def _run_dir(self, ident: str) -> Path | None:
        runs = self.ws.folder("jobs", ident) / "runs"
        found = sorted(runs.iterdir()) if runs.is_dir() else []
        return found[-1] if found else None

    def _training_status(self, job: dict) -> dict:
        ident = job["id"]
        run = self._run_dir(ident)
        records = _read_log(run / "log.jsonl") if run else []
        step = max((r.get("step", 0) for r in records), default=0)
        elapsed = max((r.get("elapsed_s", 0.0) for r in records), default=0.0)
        losses = next((({k: v for k, v in r.items() if k.startswith("loss_")}) for r in reversed(records)
                       if any(k.startswith("loss_") for k in r)), {})
        proc = self._procs.get(ident)
        if job["status"] == "running":
            if proc is not None and proc.poll() is None:
                pass
            else:
                exported = run is not None and (run / "export" / "model.safetensors").is_file()
                finished = proc.returncode == 0 if proc is not None else step >= job["steps"]
                done = exported and finished and not job.get("cancel_requested")
                if done:
                    job["status"] = "done"
                elif job.get("cancel_requested"):
                    job["status"] = "cancelled"
                else:
                    job["status"] = "failed" if proc is not None else "stopped"
                    job["error"] = self._log_tail(ident)
                self._write(job)
        samples = sorted((run / "samples").glob("*.png")) if run else []
        budget_s = 60 * (job.get("minutes") or 0)  # whichever of the steps and the time budget ends first
        done_part = max(step / max(1, job["steps"]), elapsed / budget_s if budget_s else 0.0)
        return {**job, "step": step, "losses": losses,
                "progress": 1.0 if job["status"] == "done" else min(1.0, done_part),
                "sample_url": f"/api/jobs/{ident}/sample?n={len(samples)}" if samples else None,
                "model_id": f"job:{ident}" if job["status"] in ("done", "cancelled") and run is not None
                and (run / "export" / "model.safetensors").is_file() else None}

    def _log_tail(self, ident: str) -> str:
        path = self.ws.folder("jobs", ident) / "train.log"
        lines = path.read_text(encoding="utf-8", errors="replace").strip().splitlines() if path.is_file() else []
        errors = [line for line in lines if "error" in line.lower()]
        return (errors or lines or ["the training process stopped"])[-1][-300:]

    def sample(self, ident: str) -> Path:
        run = self._run_dir(ident)
        samples = sorted((run / "samples").glob("*.png")) if run else []
        if not samples:
            raise UploadError("no sample yet", 404)
        return samples[-1]

    def export_dir(self, ident: str) -> Path | None:
        run = self._run_dir(ident)
        return run / "export" if run and (run / "export" / "config.json").is_file() else None

    def cancel(self, ident: str) -> dict:
        job = self._read(ident)
        proc = self._procs.get(ident)
        if job["status"] == "running":
            job["cancel_requested"] = True
            self._write(job)
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGINT)  # the trainer saves a checkpoint and exports, then exits
        return self.status(ident)

    def shutdown(self, timeout: float = 30.0) -> None:
        """Stop running trainings the way Ctrl-C does (each saves a checkpoint and exports), then wait."""
        running = [p for p in self._procs.values() if p.poll() is None]
        for proc in running:
            proc.send_signal(signal.SIGINT)
        for proc in running:
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()

    # ------------------------------------------------------------------ video

    def start_video(self, ident: str, stylizer, src: Path, strength: float, stabilize: float) -> dict:
        from ..inference.video import stylize_video

        job = {"id": ident, "kind": "video", "name": src.name, "created": time.time(), "status": "running",
               "frames": 0, "total_frames": 0}
        self._write(job)
        dst = self.ws.folder("jobs", ident) / "output.mp4"

        def on_frame(done: int, total: int) -> None:
            job["frames"], job["total_frames"] = done, total
            if done % 10 == 0:
                self._write(job)

        def work() -> None:
            try:
                stylize_video(stylizer, src, dst, strength=strength, stabilize=stabilize, progress=False,
                              on_frame=on_frame)
                job["status"] = "done"
            except Exception as exc:  # reported to the page; the server keeps running
                job["status"], job["error"] = "failed", str(exc)
            self._write(job)

        threading.Thread(target=work, daemon=True, name=f"video-{ident}").start()
        return self.status(ident)

    def output(self, ident: str) -> Path:
        path = self.ws.folder("jobs", ident) / "output.mp4"
        if not path.is_file():
            raise UploadError("the video is not ready", 404)
        return path

    # ------------------------------------------------------------------ all

    def status(self, ident: str) -> dict:
        job = self._read(ident)
        if job["kind"] == "train":
            return self._training_status(job)
        if job["status"] == "running" and not any(t.name == f"video-{ident}" for t in threading.enumerate()):
            job["status"] = "stopped"  # the server restarted while it ran
        total = job.get("total_frames") or 0
        return {**job, "progress": 1.0 if job["status"] == "done" else (job["frames"] / total if total else 0.0),
                "output_url": f"/api/jobs/{ident}/output" if job["status"] == "done" else None}

    def all(self) -> list[dict]:
        folders = sorted((self.ws.root / "jobs").iterdir(), key=lambda p: p.stat().st_mtime)
        return [self.status(p.name) for p in folders if (p / "job.json").is_file()]
