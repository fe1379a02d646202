"""Stylise with an exported ONNX model on onnxruntime (no PyTorch model code involved)."""
from __future__ import annotations

import os

import torch

from ..errors import ModelFileError
from ..export import SIZE_MULTIPLE_KEY
from .stylizer import MAX_MULTIPLE, StylizerBase, pad_to_multiple


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
        self.source = str(path)
        self._check_signature()
        recorded = self.session.get_modelmeta().custom_metadata_map.get(SIZE_MULTIPLE_KEY, "4")
        if not (recorded.isdigit() and 1 <= int(recorded) <= MAX_MULTIPLE):
            raise ModelFileError(f"{path}: its {SIZE_MULTIPLE_KEY} metadata {recorded[:20]!r} is not a whole "
                                 f"number in 1..{MAX_MULTIPLE}")
        self.input_name = self.session.get_inputs()[0].name
        self.multiple = multiple or int(recorded)
        self.probe()

    def _check_signature(self) -> None:
        """One float input of rank 4 with 3 (or any) channels, at least one output: an image-to-image graph."""
        inputs, outputs = self.session.get_inputs(), self.session.get_outputs()
        problem = None
        if len(inputs) != 1:
            problem = f"it takes {len(inputs)} inputs; a style model takes one image batch"
        elif not outputs:
            problem = "it has no outputs"
        elif len(inputs[0].shape) != 4 or inputs[0].shape[1] not in (3, None) and not isinstance(inputs[0].shape[1], str):
            problem = f"its input has shape {inputs[0].shape}; a style model takes (N, 3, H, W)"
        elif inputs[0].type != "tensor(float)":
            problem = f"its input is {inputs[0].type}; a style model takes float32 images"
        if problem:
            raise ModelFileError(f"{self.source}: not a styleforge style model: {problem}")

    def styled(self, images: torch.Tensor, offset=(0, 0)) -> torch.Tensor:
        """(An exported graph computes a generator's position noise from offset (0, 0): tiles of a large
        print then each get the noise of the image's corner, a texture seam the PyTorch path avoids.)"""
        h, w = images.shape[-2:]
        x = pad_to_multiple(images.float(), self.multiple).numpy()
        return torch.from_numpy(self.session.run(None, {self.input_name: x})[0])[..., :h, :w]
