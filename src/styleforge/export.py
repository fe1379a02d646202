"""Export a trained style generator to ONNX (dynamic height and width), checked against PyTorch."""
from __future__ import annotations

import os

import numpy as np
import torch

from .errors import StyleforgeError
from .files import atomic_path


def export_onnx(generator: torch.nn.Module, path: str | os.PathLike, check_size: int = 64,
                tolerance: float = 1e-3) -> dict:
    """Write `generator` (images (N, 3, H, W) -> same) as ONNX; -> {'path', 'max_abs_diff'} on a check image.

    H and W are dynamic (multiples of the generator's size_multiple; the ONNX stylizer pads)."""
    import onnxruntime as ort

    generator = generator.eval()
    m = getattr(generator, "size_multiple", 4)
    x = torch.rand(2, 3, check_size, check_size + m, generator=torch.Generator().manual_seed(0)) * 2 - 1
    dims = {"x": {0: torch.export.Dim("batch"), 2: torch.export.Dim("height"), 3: torch.export.Dim("width")}}
    with atomic_path(path) as tmp:  # a temporary '.<name>.tmp.onnx' beside the destination
        try:
            program = torch.onnx.export(generator, (x,), dynamic_shapes=dims, input_names=["image"],
                                        output_names=["styled"], dynamo=True, verbose=False)
            program.save(str(tmp))
            _record_size_multiple(tmp, m)
        except Exception as exc:  # exporter failures are many and varied
            raise StyleforgeError(f"ONNX export failed: {str(exc).splitlines()[0]}") from exc
        try:
            session = ort.InferenceSession(str(tmp), providers=["CPUExecutionProvider"])
            output = session.run(None, {"image": x.numpy()})[0]
        except Exception as exc:  # an exporter bug can write a graph that onnxruntime refuses
            raise StyleforgeError(f"ONNX export wrote a file onnxruntime cannot run: {str(exc).splitlines()[0]}") from exc
        with torch.no_grad():
            expected = generator(x).numpy()
        error = np.abs(output - expected)
        diff, share = float(error.max()), float((error > tolerance).mean())
        # generators with discontinuous steps (argmin, rounding) may flip a few values at near-ties
        allowed = getattr(generator, "onnx_mismatch_share", 0.0)
        if share > allowed:
            raise StyleforgeError(f"ONNX export differs from PyTorch by up to {diff:.2e} (> {tolerance}) "
                                  f"in {share:.2%} of the values")
    return {"path": str(path), "max_abs_diff": diff, "mismatch_share": share}


SIZE_MULTIPLE_KEY = "styleforge.size_multiple"


def _record_size_multiple(path, multiple: int) -> None:
    """Store the generator's size multiple in the ONNX file's metadata, so that the ONNX stylizer pads
    exactly as the PyTorch one does (a generator that needs no padding must not get any: padding moves
    its border)."""
    import onnx

    model = onnx.load(str(path))
    entry = model.metadata_props.add()
    entry.key, entry.value = SIZE_MULTIPLE_KEY, str(multiple)
    onnx.save(model, str(path))
