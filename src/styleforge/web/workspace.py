"""The web app's workspace: every file it writes lives below one folder, under names it makes itself.

    workspace/results/<id>/   stylised images and videos (input, output)
    workspace/models/<name>/  uploaded models (config.json + model.safetensors)
    workspace/jobs/<id>/      training and video jobs (job.json, uploads, run folder, log)
    workspace/tmp/<id>/       uploads being checked (emptied at every start: a killed upload leaves nothing)
"""
from __future__ import annotations

import re
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..errors import StyleforgeError

_ID = re.compile(r"^[a-z0-9]{12}$")


class UploadError(StyleforgeError):
    """An upload that is refused (too large, wrong type, too many pixels); `status` is the HTTP code."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclass
class Limits:
    max_upload_bytes: int = 50 * 2**20      # one image or model file
    max_video_bytes: int = 500 * 2**20
    max_train_bytes: int = 500 * 2**20      # all the images of one training upload
    max_content_images: int = 200           # photos of one training upload
    max_video_pixels: int = 8_300_000       # per video frame (3840x2160 is 8.29 MP)
    videos: int = 1                          # video jobs running at once
    max_pixels: int = 50_000_000            # per uploaded image
    min_style_images: int = 10              # the page's "10-30": fewer are memorised, more add little
    max_style_images: int = 30
    concurrent: int = 1                     # stylise requests computed at once
    queue: int = 32                         # requests allowed to wait; more get "busy"


def new_id() -> str:
    return secrets.token_hex(6)


def safe_name(name: str, fallback: str = "file") -> str:
    """A display/file name made of letters, digits, '-', '_' and '.', without leading dots or folders."""
    name = Path(str(name).replace("\\", "/")).name
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("._")[:80]
    return cleaned or fallback


class Workspace:
    def __init__(self, root: str | Path, limits: Limits | None = None):
        self.root = Path(root).resolve()
        self.limits = limits or Limits()
        for sub in ("results", "models", "jobs"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        shutil.rmtree(self.root / "tmp", ignore_errors=True)
        for left in (self.root / "models").glob(".staging-*"):  # left by a server killed mid-upload (older versions)
            shutil.rmtree(left, ignore_errors=True)

    def staging(self) -> Path:
        """A fresh folder for an upload being checked; rename it into place once it passes."""
        folder = self.root / "tmp" / new_id()
        folder.mkdir(parents=True)
        return folder

    def folder(self, kind: str, ident: str) -> Path:
        """workspace/<kind>/<ident>, refusing identifiers that are not ours (no '..', no slashes)."""
        if kind not in ("results", "jobs") or not _ID.match(ident):
            raise UploadError(f"unknown {kind[:-1]} '{safe_name(ident)}'", 404)
        return self.root / kind / ident

    def file(self, kind: str, ident: str, name: str) -> Path:
        path = (self.folder(kind, ident) / safe_name(name)).resolve()
        if self.root not in path.parents or not path.is_file():
            raise UploadError(f"no file '{safe_name(name)}'", 404)
        return path

    def model_folder(self, name: str) -> Path:
        return self.root / "models" / safe_name(name, "model")
