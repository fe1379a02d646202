"""Fixed image filters shared by networks, metrics and inference."""
from __future__ import annotations

import torch
import torch.nn.functional as F


def box_blur(x: torch.Tensor, radius: int, padding: str = "replicate") -> torch.Tensor:
    """(N, C, H, W) -> same shape: the mean over each pixel's (2 radius + 1)² window, the border padded by
    `padding` (a torch.nn.functional.pad mode)."""
    k = 2 * radius + 1
    return F.avg_pool2d(F.pad(x, (radius,) * 4, mode=padding), k, stride=1)
