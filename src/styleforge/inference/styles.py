"""Style blends: 'monet=0.7,sketch=0.3' -> checked weights, and over a multi-style model's styles normalised weights.

The adapter files themselves (adapters/NAME.safetensors, written by `styleforge styles add`) are read by
models.adapters.
"""
from __future__ import annotations

import torch

from ..errors import StyleforgeError
from ..specs import parse_pairs


def parse_weighted(spec: str) -> list[tuple[str, float]]:
    """'monet=0.7, sketch' -> [('monet', 0.7), ('sketch', 1.0)]; weights finite and >= 0, one of them > 0."""
    items = parse_pairs(spec, "a style blend", float, default=1.0)
    for name, w in items:
        if not 0 <= w < float("inf"):
            raise StyleforgeError(f"style weight must be a number >= 0: '{name}={w:g}'")
    if not items or sum(w for _, w in items) <= 0:
        raise StyleforgeError(f"no style with a positive weight in '{spec}'")
    return items


def style_weights(spec: str | dict | None, names: list[str]) -> torch.Tensor:
    """'monet=0.7,sketch=0.3' (or {'monet': 0.7, ...}, or one name) -> normalised weights (S,) over `names`."""
    if spec is None or spec == "":
        return torch.nn.functional.one_hot(torch.tensor(0), len(names)).float()
    if isinstance(spec, str):
        spec = dict(parse_weighted(spec))
    unknown = [k for k in spec if k not in names]
    if unknown:
        raise StyleforgeError(f"unknown style {', '.join(unknown)}; this model has: {', '.join(names)}")
    w = torch.tensor([float(spec.get(n, 0.0)) for n in names])
    if (w < 0).any() or w.sum() <= 0:
        raise StyleforgeError(f"style weights must be >= 0 with a positive sum, got {spec}")
    return w / w.sum()
