"""Colour maths on (N, 3, H, W) RGB in [-1, 1]: BT.601 YCbCr and back, and keeping a photo's colours under a new luminance."""
from __future__ import annotations

import torch

# ITU-R BT.601 RGB <-> YCbCr on values in [-1, 1] (chroma centred on 0)
_TO_YCC = torch.tensor([[0.299, 0.587, 0.114], [-0.168736, -0.331264, 0.5], [0.5, -0.418688, -0.081312]])
_TO_RGB = torch.linalg.inv(_TO_YCC)


def rgb_to_ycc(x: torch.Tensor) -> torch.Tensor:
    """(N, 3, H, W) RGB -> (N, 3, H, W) Y, Cb, Cr."""
    return torch.einsum("ij,njhw->nihw", _TO_YCC.to(x), x)


def ycc_to_rgb(x: torch.Tensor) -> torch.Tensor:
    return torch.einsum("ij,njhw->nihw", _TO_RGB.to(x), x)


def preserve_color(styled: torch.Tensor, original: torch.Tensor) -> torch.Tensor:
    """Luminance of `styled` with the chroma of `original`; both (N, 3, H, W) in [-1, 1]."""
    s, o = rgb_to_ycc(styled), rgb_to_ycc(original)
    return ycc_to_rgb(torch.cat([s[:, :1], o[:, 1:]], 1)).clamp(-1, 1)
