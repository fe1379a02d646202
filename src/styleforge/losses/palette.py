"""A palette loss: the distribution of the output's colours against the style set's, not only its mean.

Gram matrices and channel moments of deep features match textures but leave the colour histogram loose
(Risser et al. 2017, "Stable and controllable neural texture synthesis and style transfer using histogram
losses"): a model can lay the right strokes in the wrong palette. `PaletteLoss` keeps, as buffers (so a
checkpoint carries them and a resumed run is exact), a reservoir of colours drawn from the style images
(after a `pool`x`pool` average, the scale of a dab rather than of JPEG noise) and scores an output by the
sliced Wasserstein distance of its colours to the reservoir along the three RGB axes and `directions`
random ones, divided by the reservoir's variance (scale-free).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..nn.sorting import sort_values
from .perceptual import random_directions, resample_sorted


def colours(images: torch.Tensor, pool: int) -> torch.Tensor:
    """images (N, C, H, W) -> (N * H/pool * W/pool, C): the colours after a pool x pool average."""
    x = F.avg_pool2d(images.float(), pool) if pool > 1 else images.float()
    return x.permute(0, 2, 3, 1).reshape(-1, x.shape[1])


class PaletteLoss(nn.Module):
    def __init__(self, channels: int = 3, reservoir: int = 16384, pool: int = 2, directions: int = 13):
        super().__init__()
        self.pool, self.directions = pool, directions
        self.register_buffer("reservoir", torch.zeros(reservoir, channels))
        self.register_buffer("filled", torch.zeros((), dtype=torch.long))  # colours written (a ring once full)

    @torch.no_grad()
    def gather(self, style: torch.Tensor, per_image: int = 512, generator: torch.Generator | None = None) -> None:
        """Add `per_image` random colours of each style image (B, C, H, W) in [-1, 1] to the reservoir."""
        found = colours(style, self.pool)
        size = len(self.reservoir)
        k = min(per_image * len(style), size, len(found))
        pick = torch.randint(len(found), (k,), generator=generator).to(found.device)
        slots = (self.filled + torch.arange(k, device=self.filled.device)) % size
        self.reservoir[slots] = found[pick].to(self.reservoir)
        self.filled += k

    def forward(self, output: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """output (N, C, H, W) in [-1, 1] -> the scale-free sliced W2 of its colours to the reservoir."""
        if int(self.filled) == 0:
            raise RuntimeError("PaletteLoss: gather() the style images first")
        target = self.reservoir[: int(self.filled.clamp(max=len(self.reservoir)))]
        c = target.shape[1]
        dirs = torch.cat([torch.eye(c), random_directions(c, self.directions, generator)], 1).to(output.device)
        mine = sort_values(colours(output, self.pool) @ dirs)
        theirs = resample_sorted(sort_values(target @ dirs), len(mine))
        return (mine - theirs).pow(2).mean() / theirs.var(0).mean().clamp_min(1e-12)
