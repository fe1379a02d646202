"""Mixing the styles of a multi-style model: a blend spec -> normalised style weights.

The adapter files themselves (adapters/NAME.safetensors, written by `styleforge styles add`) are read by
models.adapters.
"""
from __future__ import annotations

import torch

from ..errors import StyleforgeError
from ..specs import parse_pairs


def style_weights(spec: str | dict | None, names: list[str]) -> torch.Tensor:
    """'monet=0.7,sketch=0.3' (or {'monet': 0.7, ...}, or one name) -> normalised weights (S,) over `names`."""
    if spec is None or spec == "":
        return torch.nn.functional.one_hot(torch.tensor(0), len(names)).float()
    if isinstance(spec, str):
        spec = dict(parse_pairs(spec, "a style blend", float, default=1.0))
    unknown = [k for k in spec if k not in names]
    if unknown:
        raise StyleforgeError(f"unknown style {', '.join(unknown)}; this model has: {', '.join(names)}")
    w = torch.tensor([float(spec.get(n, 0.0)) for n in names])
    if (w < 0).any() or w.sum() <= 0:
        raise StyleforgeError(f"style weights must be >= 0 with a positive sum, got {spec}")
    return w / w.sum()
