"""Stylise with an exported ONNX model on onnxruntime (no PyTorch model code involved)."""
from __future__ import annotations

import os

import torch

from ..errors import ModelFileError
from ..export import SIZE_MULTIPLE_KEY
from .stylizer import StylizerBase, pad_to_multiple


class OnnxStylizer(StylizerBase):
    """Same interface as Stylizer: images (N, 3, H, W) in [-1, 1] -> same shape."""

    def __init__(self, path: str | os.PathLike, multiple: int | None = None, threads: int = 0):
        """`multiple`: pad inputs to multiples of it; by default the one export recorded (4 for older files)."""
        import onnxruntime as ort

        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        try:
            self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        except Exception as exc:
            raise ModelFileError(f"{path}: not a loadable ONNX model ({str(exc).splitlines()[0]})") from None
        recorded = self.session.get_modelmeta().custom_metadata_map.get(SIZE_MULTIPLE_KEY, "4")
        self.input_name = self.session.get_inputs()[0].name
        self.multiple = multiple or (int(recorded) if recorded.isdigit() and int(recorded) > 0 else 4)

    def styled(self, images: torch.Tensor, offset=(0, 0)) -> torch.Tensor:
        """(An exported graph computes a generator's position noise from offset (0, 0): tiles of a large
        print then each get the noise of the image's corner, a texture seam the PyTorch path avoids.)"""
        h, w = images.shape[-2:]
        x = pad_to_multiple(images.float(), self.multiple).numpy()
        return torch.from_numpy(self.session.run(None, {self.input_name: x})[0])[..., :h, :w]
