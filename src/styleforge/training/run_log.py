"""Run logging: JSON lines (the record of truth), TensorBoard (optional) and a progress bar."""
from __future__ import annotations

import json
import math
import os
import sys
import time
from pathlib import Path
from typing import Any

from tqdm import tqdm

from ..files import atomic_write_text
from ..run_folder import LOG, STATUS, read_log

REFRESH_S = 2.0  # status.json and the bar are refreshed at least this often, whatever log_every is


class RunLogger:
    """Appends one JSON object per logged step to run_dir/log.jsonl (fsynced per line).

    On resume, records after `start_step` (written after the checkpoint being resumed) are dropped,
    so the log reads as one uninterrupted run.
    """

    def __init__(self, run_dir: Path, total_steps: int, start_step: int = 0, tensorboard: bool = True,
                 progress: bool = True):
        self.path = Path(run_dir) / LOG
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
        self._status_path = Path(run_dir) / STATUS
        self._phase, self._step, self._elapsed, self._refreshed = "", start_step, 0.0, 0.0

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

    def phase(self, label: str) -> None:
        """What the run is doing now ("gathering statistics", "searching filters", "training"): shown on the
        bar and in status.json at once when it changes."""
        if label != self._phase:
            self._phase = label
            self._bar.set_description_str(label, refresh=False)
            self.tick(self._step, self._elapsed, force=True)

    def tick(self, step: int, elapsed_s: float, force: bool = False) -> None:
        """Refresh the bar and status.json at most every REFRESH_S seconds (whatever log_every is)."""
        self._step, self._elapsed = step, elapsed_s
        now = time.monotonic()
        if not force and now - self._refreshed < REFRESH_S:
            return
        self._refreshed = now
        self._bar.n = step
        self._bar.refresh()
        status = {"step": step, "phase": self._phase, "elapsed_s": round(elapsed_s, 2)}
        atomic_write_text(self._status_path, json.dumps(status) + "\n")

    def image(self, tag: str, grid_uint8_hwc, step: int) -> None:
        if self._tb is not None:
            self._tb.add_image(tag, grid_uint8_hwc, step, dataformats="HWC")

    def close(self) -> None:
        self._bar.close()
        self._file.close()
        if self._tb is not None:
            self._tb.close()


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value
