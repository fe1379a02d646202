"""`styleforge styles add`: train the `adapter` recipe (one new style code of a multi-style model, every base
weight frozen) in an ordinary run folder, then copy the learned code row beside the base export as
adapters/NAME.safetensors (a few KB). The base files are never written.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import torch
from safetensors.torch import save_file

from ..config import load_config, size_overrides
from ..errors import StyleforgeError
from ..files import atomic_path
from ..models import load_pretrained, read_model_config
from ..models.adapters import ADAPTERS, check_style_name
from ..models.pretrained import resolve_model_dir
from .. import run_folder as rf
from .trainer import train


def add_style(base: str | os.PathLike, name: str, images: str, content: str = "photo", steps: int = 600,
              size: int = 128, batch_size: int = 4, lr: float = 0.01, nce_weight: float = 0.3, seed: int = 0,
              log_every: int = 100, output_dir: str | os.PathLike = "runs", overrides: list[str] | tuple = (),
              resume: str | os.PathLike | None = None) -> dict:
    """Train folder/adapters/NAME.safetensors for the multi-style model in `base` (or finish the killed
    adapter run `resume`). -> {'adapter', 'bytes', 'seconds', 'styles', 'run'}."""
    folder = resolve_model_dir(base)
    check_style_name(name)
    if "styles" not in read_model_config(folder).get("metadata", {}):
        raise StyleforgeError(f"{base}: not a multi-style model (train one with `styleforge train multistyle`)")
    start = time.perf_counter()
    config = load_config("default", [f"adapter.base={folder}", f"adapter.style_name={name}", f"data.style={images}",
                                     f"data.content={content}", f"train.steps={steps}", *size_overrides(size),
                                     f"train.batch_size={batch_size}",
                                     f"train.lr_generator={lr}", f"loss.nce_weight={nce_weight}", f"train.seed={seed}",
                                     f"train.log_every={log_every}", f"run.output_dir={output_dir}",
                                     f"run.name=adapter-{name}", *overrides], recipe="adapter")
    run = train(config, resume=resume)
    g, exported = load_pretrained(run / rf.EXPORT)
    code = g.codes[-1].detach().contiguous()
    if not torch.isfinite(code).all():
        raise StyleforgeError(f"{run}: the new style's code became non-finite; try a lower learning rate")
    path = folder / ADAPTERS / f"{name}.safetensors"
    path.parent.mkdir(exist_ok=True)
    with atomic_path(path) as tmp:
        save_file({"code": code}, str(tmp), metadata={"style": name, "steps": str(exported["metadata"]["step"]),
                                                      "run": str(Path(run).resolve())})
    return {"adapter": str(path), "bytes": path.stat().st_size, "seconds": time.perf_counter() - start,
            "styles": list(exported["metadata"]["styles"]), "run": run}
