"""Style fusion across models: a weighted blend of several stylisers' outputs.

`parse_weighted("monet=0.7,runs/x=0.3")` -> [("monet", 0.7), ("runs/x", 0.3)]; weights default to 1 and
are normalised to sum to 1. FusedStylizer has the Stylizer call signature, so tiling, masks, strength and
preserve-colour work unchanged. `open_stylizer` is how the commands turn --style / --model into a stylizer.
"""
from __future__ import annotations

import torch

from .styles import parse_weighted
from .stylizer import Stylizer, StylizerBase, resolve_style


class FusedStylizer(StylizerBase):
    """sum_i w_i * stylizer_i.styled(x), weights normalised; images (N, 3, H, W) in [-1, 1]."""

    def __init__(self, stylizers: list, weights: list[float]):
        total = float(sum(weights))
        self.stylizers, self.weights = stylizers, [w / total for w in weights]

    def styled(self, images: torch.Tensor, offset=(0, 0)) -> torch.Tensor:
        return sum(w * s.styled(images, offset) for s, w in zip(self.stylizers, self.weights) if w > 0)


def open_stylizer(style: str | None = None, model: str | None = None, styles: str | None = None,
                  amp: str = "auto") -> StylizerBase:
    """--style NAME[=W],... (bundled styles) or --model PATH[=W],... (runs, export folders, .onnx files)
    -> one stylizer, or a FusedStylizer when several are named. `styles`: the style mix of a multi-style
    model ('NAME=W,...'; its style codes are interpolated, not its outputs). `amp`: see Stylizer."""
    specs = parse_weighted(style or model or "")

    def one(name: str) -> StylizerBase:
        if model and name.endswith(".onnx"):
            from .onnx_stylizer import OnnxStylizer
            return OnnxStylizer(name)
        return Stylizer.from_pretrained(resolve_style(name, None) if style else resolve_style(None, name),
                                        styles=styles, amp=amp)

    stylizers = [one(name) for name, _ in specs]
    return stylizers[0] if len(stylizers) == 1 else FusedStylizer(stylizers, [w for _, w in specs])
