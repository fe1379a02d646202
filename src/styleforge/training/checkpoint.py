"""Full-state checkpoints: networks, EMA, optimisers, step, RNG state and the resolved config.

Written to a temporary file, fsynced, then renamed over `checkpoint.pt`, so the previous good
checkpoint stays intact until the new one is complete. Loaded with `weights_only=True`: a
checkpoint cannot execute code.
"""
from __future__ import annotations

import errno
import os
import pickle
from pathlib import Path
from typing import Any

import torch

from ..errors import ModelFileError
from ..files import atomic_path
from ..run_folder import CHECKPOINT


def save_checkpoint(state: dict[str, Any], path: str | os.PathLike) -> Path:
    """Raises OSError when the file cannot be written (torch.save reports a full disk as a RuntimeError)."""
    try:
        with atomic_path(path) as tmp:
            torch.save(state, tmp)
    except RuntimeError as exc:
        first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise OSError(errno.EIO, f"the file could not be written, is the disk full? ({first})", str(path)) from None
    return Path(path)


def load_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    path = Path(path)
    if path.is_dir():
        path = path / CHECKPOINT
    if not path.is_file():
        raise ModelFileError(f"{path}: no checkpoint to resume from")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        raise ModelFileError(f"{path}: refused: the file holds objects other than tensors and plain data, "
                             f"which could run code when loaded ({str(exc).splitlines()[0]})") from None
    except (RuntimeError, EOFError, OSError, ValueError) as exc:
        raise ModelFileError(f"{path}: not a readable checkpoint ({str(exc).splitlines()[0] if str(exc) else exc})") from None
    if not isinstance(state, dict) or "step" not in state or "networks" not in state:
        raise ModelFileError(f"{path}: not a styleforge checkpoint")
    return state


def rng_state() -> dict[str, Any]:
    state = {"torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
