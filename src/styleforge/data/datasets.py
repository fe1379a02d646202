"""In-memory image sets: decoded once (the decode cache), cropped and augmented per batch.

An ImageSet holds uint8 images (HWC) and, optionally, integer labels. Bad files in a folder are
skipped and recorded in a DataReport rather than stopping the run.
"""
from __future__ import annotations

import hashlib
import json
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from ..errors import ImageReadError, StyleforgeError
from ..files import atomic_write_text
from ..imageio import DEFAULT_MAX_PIXELS, MAX_ASPECT, is_image_name, open_image, unsupported_reason


@dataclass
class DataReport:
    """What a source yielded: files kept, files skipped and why."""

    source: str
    kept: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    held_out: int = 0  # readable or not, set aside by data.holdout_fraction for evaluation
    beyond_limit: int = 0  # left out by a limit (data.limit / data.style_limit)
    fingerprint: str = ""  # of the kept files' names and sizes: a resumed run tells whether its data changed

    def summary(self) -> str:
        line = f"data '{self.source}': {self.kept} images kept, {len(self.skipped)} skipped"
        if self.held_out:
            line += f", {self.held_out} held out for evaluation (data.holdout_fraction)"
        if self.beyond_limit:
            line += f", {self.beyond_limit} beyond the limit (data.limit / data.style_limit)"
        if self.skipped:
            first = self.skipped[0]
            line += f" (e.g. {first[0]}: {first[1]})"
        return line

    def to_dict(self) -> dict:
        return {"source": self.source, "kept": self.kept, "held_out": self.held_out, "beyond_limit": self.beyond_limit,
                "fingerprint": self.fingerprint, "skipped": [{"file": f, "reason": r} for f, r in self.skipped]}


def files_fingerprint(files: list[str]) -> str:
    """A short hash of the files' names and sizes (a file replaced by another of the same name and size
    goes unnoticed; a deleted, added or edited one does not)."""
    digest = hashlib.sha256()
    for f in sorted(files):
        try:
            size = os.stat(f).st_size
        except OSError:
            size = -1
        digest.update(f"{Path(f).name}\0{size}\n".encode("utf-8", "backslashreplace"))
    return digest.hexdigest()[:16]


def data_changes(before: list[dict], now: list[DataReport]) -> list[str]:
    """What differs between the data reports a run started with and the data found now, one line per source."""
    changes = []
    for old, new in zip(before, now):
        if old.get("kept") != new.kept:
            changes.append(f"data '{new.source}': {old.get('kept')} images then, {new.kept} now")
        elif old.get("fingerprint") and new.fingerprint and old["fingerprint"] != new.fingerprint:
            changes.append(f"data '{new.source}': the same number of images, but other or edited files")
    return changes


def write_reports(reports: list[DataReport], path: str | os.PathLike) -> None:
    atomic_write_text(path, json.dumps([r.to_dict() for r in reports], indent=2))


@dataclass
class ImageSet:
    """Decoded images: either one uint8 array NHWC (same size) or a list of HWC arrays."""

    images: np.ndarray | list[np.ndarray]
    channels: int
    report: DataReport
    labels: np.ndarray | None = None
    files: list[str] | None = None

    def __len__(self) -> int:
        return len(self.images)


def list_image_files(folder: str | os.PathLike) -> tuple[list[Path], list[tuple[str, str]]]:
    """Image files below `folder` (recursive, case-insensitive extensions, symlink loops safe), sorted.

    Returns (files, problems) where problems are (path, reason) for entries that cannot be listed.
    """
    root = Path(folder)
    if not root.is_dir():
        raise StyleforgeError(f"{folder}: not a folder")
    files, problems, seen = [], [], set()

    def on_error(exc: OSError) -> None:
        problems.append((str(exc.filename), f"cannot list: {exc.strerror or exc}"))

    for dirpath, dirnames, filenames in os.walk(root, followlinks=True, onerror=on_error):
        try:
            key = os.stat(dirpath).st_ino, os.stat(dirpath).st_dev
        except OSError:
            continue
        if key in seen:  # a symlink loop or a second link to a visited folder
            dirnames[:] = []
            continue
        seen.add(key)
        dirnames.sort()
        files.extend(Path(dirpath) / name for name in filenames if is_image_name(name))
        problems.extend((str(Path(dirpath) / name), unsupported_reason(name))
                        for name in sorted(filenames) if unsupported_reason(name))
    return sorted(files), problems


def split_holdout(files: list[Path], fraction: float, root: Path, holdout: bool = False) -> list[Path]:
    """A seeded, stable split: a file is held out when the SHA-1 of its path relative to `root`
    falls below `fraction`. Adding files never moves existing ones between the two sides."""
    if fraction <= 0:
        return [] if holdout else list(files)
    out = []
    for f in files:
        rel = str(Path(f).relative_to(root)).encode("utf-8", "surrogateescape")
        u = int.from_bytes(hashlib.sha1(rel).digest()[:8], "big") / 2**64
        if (u < fraction) == holdout:
            out.append(f)
    return out


def _decode(path: Path, load_size: int, max_pixels: int, background: str, grey: bool):
    try:
        im = open_image(path, max_pixels=max_pixels, background=background, max_aspect=MAX_ASPECT)
    except ImageReadError as exc:
        return None, exc.reason
    if load_size and min(im.size) != load_size:
        scale = load_size / min(im.size)
        size = (max(1, round(im.width * scale)), max(1, round(im.height * scale)))
        im = im.resize(size, Image.Resampling.BICUBIC, reducing_gap=3.0)
    arr = np.asarray(im.convert("L"))[:, :, None] if grey else np.asarray(im)
    return arr, None


def load_folder(folder: str | os.PathLike, *, load_size: int = 0, limit: int = 0, holdout_fraction: float = 0.0,
                holdout: bool = False, max_pixels: int = DEFAULT_MAX_PIXELS, background: str = "white",
                grey: bool = False, name: str | None = None, workers: int = 2) -> ImageSet:
    """Decode every image below `folder` once (shorter side resized to `load_size` if > 0).

    Unreadable files are skipped and recorded; a folder with no readable image is an error.
    """
    root = Path(folder)
    files, problems = list_image_files(root)
    chosen = split_holdout(files, holdout_fraction, root, holdout=holdout)
    report = DataReport(name or str(folder), skipped=list(problems), held_out=0 if holdout else len(files) - len(chosen))
    if limit and len(chosen) > limit:
        report.beyond_limit, chosen = len(chosen) - limit, chosen[:limit]
    files = chosen
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(lambda f: _decode(f, load_size, max_pixels, background, grey), files))
    images, kept = [], []
    for f, (arr, reason) in zip(files, results):
        if arr is None:
            report.skipped.append((str(f), reason))
        else:
            images.append(arr)
            kept.append(str(f))
    report.kept, report.fingerprint = len(images), files_fingerprint(kept)
    if not images:
        detail = f"; first problem: {report.skipped[0][0]}: {report.skipped[0][1]}" if report.skipped else ""
        raise StyleforgeError(f"{folder}: no readable images found{detail}")
    return ImageSet(images, 1 if grey else 3, report, files=kept)
