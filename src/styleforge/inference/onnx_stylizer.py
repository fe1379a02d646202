"""Stylise with an exported ONNX model on onnxruntime (no PyTorch model code involved)."""
from __future__ import annotations

import os

import numpy as np
import torch

from ..errors import ModelFileError
from .color import preserve_color
from .tiling import stylize_tiled


class OnnxStylizer:
    """Same interface as Stylizer: images (N, 3, H, W) in [-1, 1] -> same shape."""

    def __init__(self, path: str | os.PathLike, multiple: int = 4, threads: int = 0):
        import onnxruntime as ort

        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        try:
            self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        except Exception as exc:
            raise ModelFileError(f"{path}: not a loadable ONNX model ({str(exc).splitlines()[0]})") from None
        self.input_name, self.multiple = self.session.get_inputs()[0].name, multiple

    def __call__(self, images: torch.Tensor, strength: float = 1.0, keep_color: bool = False) -> torch.Tensor:
        h, w = images.shape[-2:]
        ph, pw = (-h) % self.multiple, (-w) % self.multiple
        x = np.pad(images.numpy().astype(np.float32), ((0, 0), (0, 0), (0, ph), (0, pw)), mode="reflect"
                   if min(h, w) > max(ph, pw) else "edge")
        styled = torch.from_numpy(self.session.run(None, {self.input_name: x})[0])[..., :h, :w]
        if keep_color:
            styled = preserve_color(styled, images)
        return (images + strength * (styled - images)).clamp(-1, 1)

    def stylize_array(self, image: np.ndarray, strength: float = 1.0, keep_color: bool = False,
                      tile: int = 512, overlap: int = 128) -> np.ndarray:
        return stylize_tiled(lambda x: self(x, strength, keep_color), image, tile, overlap)
