"""Run logging: JSON lines (the record of truth), TensorBoard (optional) and a progress bar."""
from __future__ import annotations

import json
import math
import os
import sys
from pathlib import Path
from typing import Any

from tqdm import tqdm

from ..files import atomic_write_text

LOG_NAME = "log.jsonl"


class RunLogger:
    """Appends one JSON object per logged step to run_dir/log.jsonl (fsynced per line).

    On resume, records after `start_step` (written after the checkpoint being resumed) are dropped,
    so the log reads as one uninterrupted run.
    """

    def __init__(self, run_dir: Path, total_steps: int, start_step: int = 0, tensorboard: bool = True,
                 progress: bool = True):
        self.path = Path(run_dir) / LOG_NAME
        if self.path.exists():  # also drops a line torn by a kill, so the next record starts cleanly
            kept = [line for line in read_log(self.path) if line.get("step", 0) <= start_step]
            atomic_write_text(self.path, "".join(json.dumps(r) + "\n" for r in kept))
        self._file = open(self.path, "a", encoding="utf-8")
        self._tb = None
        if tensorboard:
            try:
                from torch.utils.tensorboard import SummaryWriter
                self._tb = SummaryWriter(str(Path(run_dir) / "tensorboard"), purge_step=start_step or None)
            except ImportError:  # tensorboard is a dependency, but never let logging stop a run
                self._tb = None
        self._bar = tqdm(total=total_steps, initial=start_step, dynamic_ncols=True, unit="step",
                         disable=not progress, file=sys.stderr)

    def log(self, step: int, values: dict[str, Any]) -> None:
        record = {"step": step, **{k: _clean(v) for k, v in values.items()}}
        self._file.write(json.dumps(record) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())
        if self._tb is not None:
            for key, value in values.items():
                if isinstance(value, (int, float)) and math.isfinite(value):
                    self._tb.add_scalar(key, value, step)

    def progress(self, step: int, values: dict[str, float]) -> None:
        self._bar.n = step
        self._bar.set_postfix({k: f"{v:.3g}" for k, v in values.items()}, refresh=False)
        self._bar.refresh()

    def image(self, tag: str, grid_uint8_hwc, step: int) -> None:
        if self._tb is not None:
            self._tb.add_image(tag, grid_uint8_hwc, step, dataformats="HWC")

    def close(self) -> None:
        self._bar.close()
        self._file.close()
        if self._tb is not None:
            self._tb.close()


def read_log(path: str | os.PathLike) -> list[dict[str, Any]]:
    """The records of a log.jsonl, skipping a torn last line."""
    records = []
    path = Path(path)
    if path.is_dir():
        path = path / LOG_NAME
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return records


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value
