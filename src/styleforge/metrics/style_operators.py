"""Procedural style operators: styles whose true output is known, for the ground-truth benchmark.

Each maps photos (N, 3, H, W) in [-1, 1] to stylised images of the same shape, deterministically.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ..nn import box_blur, luma, sobel_magnitude
from ..registry import Registry

STYLE_OPERATORS = Registry("style operator")


def _to01(x):
    return (x + 1) / 2


def _from01(x):
    return x.clamp(0, 1) * 2 - 1


@STYLE_OPERATORS.register("film_grade")
def film_grade(x: torch.Tensor) -> torch.Tensor:
    """Teal-and-orange grade: S-curve contrast, teal shadows, warm highlights, slight desaturation."""
    v = _to01(x)
    y = luma(v)
    v = y + 0.75 * (v - y)
    v = v * v * (3 - 2 * v)  # smoothstep S-curve
    shadows, highlights = (1 - y) ** 2, y ** 2
    v = v + shadows * torch.tensor([-0.06, 0.04, 0.10]).view(1, 3, 1, 1).to(v) \
          + highlights * torch.tensor([0.12, 0.03, -0.10]).view(1, 3, 1, 1).to(v)
    return _from01(v)


@STYLE_OPERATORS.register("sepia")
def sepia(x: torch.Tensor) -> torch.Tensor:
    """Warm brown toning of an old print: the classic sepia matrix, mixed 80/20 with the photo, faded blacks."""
    v = _to01(x)
    m = torch.tensor([[0.393, 0.769, 0.189], [0.349, 0.686, 0.168], [0.272, 0.534, 0.131]]).to(v)
    toned = torch.einsum("ij,njhw->nihw", m, v)
    return _from01(0.06 + 0.9 * (0.8 * toned + 0.2 * v))


@STYLE_OPERATORS.register("pencil_sketch")
def pencil_sketch(x: torch.Tensor) -> torch.Tensor:
    """Colour-dodge of the grey image by its blurred negative: dark strokes on white paper."""
    g = luma(_to01(x))
    blurred = box_blur(box_blur(1 - g, 2), 2)
    sketch = (g / (1 - blurred + 1e-3)).clamp(0, 1) ** 2
    return _from01(sketch.expand(-1, 3, -1, -1))


@STYLE_OPERATORS.register("cartoon")
def cartoon(x: torch.Tensor, levels: int = 4) -> torch.Tensor:
    """Smoothed, colour-quantised image with dark outlines where the grey gradient is strong."""
    v = box_blur(_to01(x), 1)
    q = torch.round(v * (levels - 1)) / (levels - 1)
    g = luma(_to01(x))
    edges = (sobel_magnitude(g) > 0.6).to(x)
    return _from01(q * (1 - edges))


@STYLE_OPERATORS.register("oil_paint")
def oil_paint(x: torch.Tensor, radius: int = 2) -> torch.Tensor:
    """Kuwahara filter: each pixel takes the mean colour of its least-varied quadrant window."""
    v = _to01(x)
    g = luma(v)
    r, k = radius, radius + 1
    means, variances = [], []
    for dy in (0, r):
        for dx in (0, r):
            pad = (r - dx, dx, r - dy, dy)
            mv = F.avg_pool2d(F.pad(v, pad, mode="replicate"), k, stride=1)
            mg = F.avg_pool2d(F.pad(g, pad, mode="replicate"), k, stride=1)
            mg2 = F.avg_pool2d(F.pad(g * g, pad, mode="replicate"), k, stride=1)
            means.append(mv)
            variances.append(mg2 - mg * mg)
    choice = torch.stack(variances).argmin(0)  # (N, 1, H, W)
    stacked = torch.stack(means)  # (4, N, 3, H, W)
    out = stacked.gather(0, choice[None].expand(1, -1, 3, -1, -1))[0]
    return _from01(out)
