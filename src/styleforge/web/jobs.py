"""Background jobs of the web app: training runs (a separate `styleforge train` process, so the server
never imports training code and a crash there cannot take the server down) and video stylising (a thread).

Each job keeps its state in workspace/jobs/<id>/job.json, so a page reload, or a server restart, finds it.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from .. import run_folder as rf
from ..config import load_config, size_overrides
from ..errors import ConfigError
from ..files import atomic_write_text
from .workspace import UploadError, Workspace, new_id

#: web preset -> (recipe, preset, default minutes): both the painterly recipe, for a shorter or a longer time
PRESETS = {"fast": ("painterly", "default", 5.0), "quality": ("painterly", "default", 20.0)}


def check_preset(preset: str) -> None:
    if preset not in PRESETS:
        raise UploadError(f"unknown preset '{preset}'; choose one of {', '.join(PRESETS)}")


def _time_left(job: dict, spent_s: float, progress: float) -> float | None:
    """Seconds a running job still needs at the pace so far (None until 2% is done)."""
    return spent_s * (1 - progress) / progress if job["status"] == "running" and progress > 0.02 else None


class Adopted:
    """A training process started by an earlier run of the server (found by the pid in its job.json, and
    only if that process's command line still names the job's folder): the part of Popen the jobs use."""

    def __init__(self, pid: int):
        self.pid, self.returncode = pid, None

    @staticmethod
    def find(pid: int | None, folder: Path) -> "Adopted | None":
        try:
            cmdline = Path(f"/proc/{int(pid)}/cmdline").read_bytes().decode(errors="replace")
        except (OSError, TypeError, ValueError):
            return None
        return Adopted(int(pid)) if str(folder) in cmdline and "train" in cmdline else None

    def poll(self):
        if self.returncode is None:
            try:
                state = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except (OSError, IndexError):
                state = "X"  # gone
            if state in ("Z", "X"):
                self.returncode = -1  # unknown: it ran on without us; its export's metadata tells how it ended
        return self.returncode

    def send_signal(self, sig) -> None:
        try:
            os.kill(self.pid, sig)
        except OSError:
            pass

    def wait(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self.poll() is None:
            if time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(f"pid {self.pid}", timeout)
            time.sleep(0.1)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class Jobs:
    def __init__(self, workspace: Workspace):
        self.ws = workspace
        self._procs: dict[str, subprocess.Popen | Adopted] = {}
        self._videos: dict[str, tuple[threading.Thread, threading.Event]] = {}
        self._lock = threading.Lock()
        self._adopt()

    def _adopt(self) -> None:
        """Trainings an earlier server started and that still run are tracked again (status, cancel, stop);
        video jobs of an earlier server are marked stopped."""
        for folder in sorted((self.ws.root / "jobs").iterdir()):
            try:
                job = json.loads((folder / "job.json").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if job.get("status") != "running":
                continue
            if job.get("kind") == "train":
                proc = Adopted.find(job.get("pid"), folder)
                if proc is not None:
                    self._procs[job["id"]] = proc
            else:
                job["status"] = "stopped"
                self._write(job)

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
        check_preset(preset)
        self.refuse_if_training()
        recipe, config_name, default_minutes = PRESETS[preset]
        minutes = default_minutes if minutes is None else minutes
        folder = self.ws.folder("jobs", ident)
        overrides = [f"data.style={style_dir}", f"data.content={content_dir}", f"run.output_dir={folder / 'runs'}",
                     *size_overrides(size), f"train.steps={steps}",
                     f"train.minutes={minutes}", "train.progress=false", "train.tensorboard=false",
                     "train.eval_every=0", "data.holdout_fraction=0", "data.style_limit=0",
                     f"train.log_every={max(1, min(20, steps // 50))}", f"train.sample_every={max(1, steps // 5)}",
                     f"train.checkpoint_every={max(1, steps // 5)}", f"painterly.gather_images={max(4, min(64, steps))}",
                     f"run.name={name}"]
        try:  # resolved here, so a bad setting is the request's error; the child reads the one file
            config = load_config(config_name, overrides, recipe=recipe)
        except ConfigError as exc:
            raise UploadError(str(exc)) from None
        config_file = folder / "train_config.json"
        atomic_write_text(config_file, config.to_json())
        cmd = [sys.executable, "-m", "styleforge", "train", recipe, "--preset", str(config_file)]
        job = {"id": ident, "kind": "train", "name": name, "preset": preset, "steps": steps, "size": size,
               "minutes": minutes, "created": time.time(), "status": "running",
               "style_images": sum(1 for p in Path(style_dir).iterdir() if p.is_file())}
        return self._launch(job, cmd, "wb")

    def _launch(self, job: dict, cmd: list[str], log_mode: str) -> dict:
        """Start the training process `cmd` for `job` (its output to train.log) and record its pid, so that a
        restarted server finds the process again."""
        ident = job["id"]
        folder = self.ws.folder("jobs", ident)
        with open(folder / "train.log", log_mode) as log, self._lock:
            self._procs[ident] = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=folder)
        job["pid"] = self._procs[ident].pid
        self._write(job)
        return self.status(ident)

    def resume_training(self, ident: str) -> dict:
        """Continue a stopped, failed or cancelled training from its last checkpoint, to its planned end."""
        job = self._read(ident)
        run = self._run_dir(ident)
        if job["kind"] != "train" or job["status"] == "running" or run is None or not (run / rf.CHECKPOINT).is_file():
            raise UploadError("only a stopped training with a checkpoint can be resumed", 409)
        self.refuse_if_training()
        job.update(status="running", cancel_requested=False, error=None, resumed=job.get("resumed", 0) + 1)
        return self._launch(job, [sys.executable, "-m", "styleforge", "train", "--resume", str(run)], "ab")

    def _run_dir(self, ident: str) -> Path | None:
        runs = self.ws.folder("jobs", ident) / "runs"
        found = sorted(runs.iterdir()) if runs.is_dir() else []
        return found[-1] if found else None

    def _training_status(self, job: dict) -> dict:
        ident = job["id"]
        run = self._run_dir(ident)
        records = rf.read_log(run) if run else []
        status = rf.read_status(run) if run else {}  # refreshed every few seconds, whatever log_every is
        step = max([r.get("step", 0) for r in records] + [status.get("step", 0)])
        elapsed = max([r.get("elapsed_s", 0.0) for r in records] + [status.get("elapsed_s", 0.0)])
        losses = next((({k: v for k, v in r.items() if k.startswith("loss_")}) for r in reversed(records)
                       if any(k.startswith("loss_") for k in r)), {})
        proc = self._procs.get(ident)
        if job["status"] == "running":
            if proc is not None and proc.poll() is None:
                pass
            else:
                exported = run is not None and rf.has_weights(run)
                finished = proc.returncode == 0 if isinstance(proc, subprocess.Popen) else self._finished(run)
                done = exported and finished and not job.get("cancel_requested")
                if done:
                    job["status"] = "done"
                elif job.get("cancel_requested"):
                    job["status"] = "cancelled"
                else:
                    job["status"] = "failed" if isinstance(proc, subprocess.Popen) else "stopped"
                    job["error"] = self._log_tail(ident)
                self._write(job)
        samples = rf.sample_grids(run) if run else []
        budget_s = 60 * (job.get("minutes") or 0)  # whichever of the steps and the time budget ends first
        done_part = max(step / max(1, job["steps"]), elapsed / budget_s if budget_s else 0.0)
        progress = 1.0 if job["status"] == "done" else min(1.0, done_part)
        # time left from the training time logged so far (the budget counts only training, not start-up)
        phase = status.get("phase") if job["status"] == "running" else None
        return {**job, "step": step, "phase": phase, "losses": losses, "progress": progress, "eta_s": _time_left(job, elapsed, progress),
                "sample_url": f"/api/jobs/{ident}/sample?n={len(samples)}" if samples else None,
                "model_id": f"job:{ident}" if job["status"] != "running" and run is not None
                and rf.has_weights(run) else None,
                "resumable": job["status"] in ("stopped", "failed", "cancelled") and run is not None
                and (run / rf.CHECKPOINT).is_file() and not self._finished(run)}

    @staticmethod
    def _finished(run: Path | None) -> bool:
        """Whether the run's export says its training reached its planned end."""
        try:
            meta = json.loads((run / rf.EXPORT / rf.EXPORT_CONFIG).read_text(encoding="utf-8")).get("metadata", {})
        except (OSError, ValueError, TypeError, AttributeError):
            return False
        return isinstance(meta, dict) and meta.get("complete") is True

    def _log_tail(self, ident: str) -> str:
        path = self.ws.folder("jobs", ident) / "train.log"
        lines = path.read_text(encoding="utf-8", errors="replace").strip().splitlines() if path.is_file() else []
        errors = [line for line in lines if "error" in line.lower()]
        return (errors or lines or ["the training process stopped"])[-1][-300:]

    def sample(self, ident: str) -> Path:
        run = self._run_dir(ident)
        samples = rf.sample_grids(run) if run else []
        if not samples:
            raise UploadError("no sample yet", 404)
        return samples[-1]

    def export_dir(self, ident: str) -> Path | None:
        run = self._run_dir(ident)
        return rf.export_of(run) if run else None

    def cancel(self, ident: str) -> dict:
        job = self._read(ident)
        if job["kind"] == "video":
            thread, stop = self._videos.get(ident, (None, None))
            if stop is not None:
                stop.set()
                thread.join(30)
            return self.status(ident)
        proc = self._procs.get(ident)
        if job["status"] == "running":
            job["cancel_requested"] = True
            self._write(job)
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGINT)  # the trainer saves a checkpoint and exports, then exits
        return self.status(ident)

    def shutdown(self, timeout: float = 30.0) -> None:
        """Stop running trainings the way Ctrl-C does (each saves a checkpoint and exports) and video jobs
        at their next frame, then wait for both."""
        videos = list(self._videos.items())
        for _, (_, stop) in videos:
            stop.set()
        for _, (thread, _) in videos:
            thread.join(timeout)
        running = [p for p in self._procs.values() if p.poll() is None]
        for proc in running:
            proc.send_signal(signal.SIGINT)
        for proc in running:
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()

    # ------------------------------------------------------------------ video

    def refuse_if_video_busy(self) -> None:
        """At most `limits.videos` video jobs at once: an UploadError (409) beyond that."""
        with self._lock:
            busy = [i for i, (thread, _) in self._videos.items() if thread.is_alive()]
        if len(busy) >= self.ws.limits.videos:
            raise UploadError(f"a video is being stylised (job {busy[0]}): wait for it or cancel it", 409)

    def start_video(self, ident: str, stylizer, src: Path, strength: float, stabilize: float,
                    name: str | None = None) -> dict:
        """`name`: the uploaded file's (cleaned) name, shown in the job list."""
        from ..inference.video import VideoCancelled, stylize_video
        from .security import without_paths

        self.refuse_if_video_busy()
        job = {"id": ident, "kind": "video", "name": name or src.name, "created": time.time(), "status": "running",
               "frames": 0, "total_frames": 0}
        self._write(job)
        dst = self.ws.folder("jobs", ident) / "output.mp4"
        stop = threading.Event()

        def on_frame(done: int, total: int) -> None:
            job["frames"], job["total_frames"] = done, total
            if stop.is_set():
                raise VideoCancelled("cancelled")
            if done % 10 == 0:
                self._write(job)

        def work() -> None:
            try:
                stats = stylize_video(stylizer, src, dst, strength=strength, stabilize=stabilize, progress=False,
                                      on_frame=on_frame, max_pixels=self.ws.limits.max_video_pixels)
                job["status"] = "done"
                if stats["skipped_packets"] or stats["broke_off"]:
                    job["warning"] = (f"{stats['skipped_packets']} corrupt packet(s) skipped" if stats["skipped_packets"]
                                      else "the file breaks off part-way") + f"; {stats['frames']} frames kept"
            except VideoCancelled:
                job["status"] = "cancelled"
            except Exception as exc:  # reported to the page; the server keeps running
                job["status"], job["error"] = "failed", without_paths(str(exc))
            self._write(job)

        thread = threading.Thread(target=work, daemon=True, name=f"video-{ident}")
        with self._lock:
            self._videos[ident] = (thread, stop)
        thread.start()
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
        thread = self._videos.get(ident, (None, None))[0]
        if job["status"] == "running" and not (thread and thread.is_alive()):
            job["status"] = "stopped"  # the server restarted while it ran
        total = job.get("total_frames") or 0
        progress = 1.0 if job["status"] == "done" else (job["frames"] / total if total else 0.0)
        return {**job, "progress": progress, "eta_s": _time_left(job, time.time() - job["created"], progress),
                "output_url": f"/api/jobs/{ident}/output" if job["status"] == "done" else None}

    def all(self) -> list[dict]:
        folders = sorted((self.ws.root / "jobs").iterdir(), key=lambda p: p.stat().st_mtime)
        return [self.status(p.name) for p in folders if (p / "job.json").is_file()]
