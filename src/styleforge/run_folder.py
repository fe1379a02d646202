"""The run folder's contract: what a training writes where, and how everything else reads it.

A run folder (runs/00012-painterly-monet/) holds
    config.json       the resolved config, written once at the start (a resume reads it back)
    checkpoint.pt     the resumable state (training/checkpoint.py)
    export/           the generator as a pretrained model (models/pretrained.py): config.json, model.safetensors
    log.jsonl         one JSON object per logged step: the record of truth
    status.json       {"step", "phase", "elapsed_s"}, rewritten every few seconds: progress between log lines
    samples/          step-NNNNNNN.png sample grids; preview.png, the latest of them
    loss_curves.png   the logged losses, drawn at the end (and when interrupted)
    data_report.json  what the data loader kept and skipped

Training writes it; the CLI, the web app, evaluation and model loading only read it, through the names
and readers here (this module imports nothing from the rest of the package but `files`).
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

CONFIG = "config.json"
CHECKPOINT = "checkpoint.pt"
EXPORT = "export"
EXPORT_CONFIG = "config.json"
EXPORT_WEIGHTS = "model.safetensors"
LOG = "log.jsonl"
STATUS = "status.json"
SAMPLES = "samples"
PREVIEW = "preview.png"
LOSS_CURVES = "loss_curves.png"
DATA_REPORT = "data_report.json"


def run_of(path: str | os.PathLike) -> Path:
    """The run folder of a run folder or of its export/ folder."""
    path = Path(path)
    return path.parent if path.name == EXPORT else path


def export_of(run: str | os.PathLike) -> Path | None:
    """The run's export folder when it holds a model, else None."""
    path = Path(run) / EXPORT
    return path if (path / EXPORT_CONFIG).is_file() else None


def has_weights(run: str | os.PathLike) -> bool:
    return (Path(run) / EXPORT / EXPORT_WEIGHTS).is_file()


def sample_grids(run: str | os.PathLike) -> list[Path]:
    """The run's sample grids, oldest first."""
    folder = Path(run) / SAMPLES
    return sorted(folder.glob("*.png")) if folder.is_dir() else []


def read_log(path: str | os.PathLike) -> list[dict[str, Any]]:
    """The records of a run's log.jsonl (a run folder or the file itself), skipping torn or foreign lines;
    [] when there is no log yet."""
    path = Path(path)
    if path.is_dir():
        path = path / LOG
    if not path.is_file():
        return []
    records = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict):
            records.append(record)
    return records


def read_status(run: str | os.PathLike) -> dict[str, Any]:
    """A run's status.json ({} when absent or torn)."""
    try:
        status = json.loads((Path(run) / STATUS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return status if isinstance(status, dict) else {}
