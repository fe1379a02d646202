"""A palette loss: the distribution of the output's colours against the style set's, not only its mean.

Gram matrices and channel moments of deep features match textures but leave the colour histogram loose
(Risser et al. 2017, "Stable and controllable neural texture synthesis and style transfer using histogram
losses"): a model can lay the right strokes in the wrong palette. `PaletteLoss` keeps, as buffers (so a
checkpoint carries them and a resumed run is exact), a reservoir of colours drawn from the style images
(after a `pool`x`pool` average, the scale of a dab rather than of JPEG noise) and scores an output by the
sliced Wasserstein distance of its colours to the reservoir along the three RGB axes and `directions`
random ones, divided by the reservoir's variance (scale-free).

`BandPaletteLoss` does the same for each band of the Laplacian pyramid (the image's content at one octave,
less the next coarser one): the colours of a painting's *texture*, octave by octave — what Heeger and Bergen
(1995) matched, band by band, to synthesise a texture. A painter's broken colour is there: on the benchmark's
Monet split the held-out paintings' 2-4 and 4-8 px bands carry 20-50% more chroma than the photos', and the
painterly models trained without it carry less than the photos (docs/benchmarks.md, "Where the SWD gap is").
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..nn.filters import laplacian_pyramid
from .perceptual import random_directions, resample_sorted, sorted_projections


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
        mine = sorted_projections(colours(output, self.pool), dirs)  # float32 under autocast too
        theirs = resample_sorted(sorted_projections(target, dirs), len(mine))
        return (mine - theirs).pow(2).mean() / theirs.var(0).mean().clamp_min(1e-12)


def whitening(x: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """x (M, C) -> (C, C) W with x @ W of identity covariance (Σ^-1/2, eigenvalues floored at eps x the largest)."""
    centred = x.float() - x.float().mean(0)
    values, vectors = torch.linalg.eigh(centred.T @ centred / max(len(x) - 1, 1))
    values = values.clamp_min(eps * values.max().clamp_min(1e-20))
    return vectors @ torch.diag(values.rsqrt()) @ vectors.T


class BandPaletteLoss(nn.Module):
    """The sliced Wasserstein distance of each Laplacian band's colours to the style set's, summed over
    `bands` bands (the finest first; the low-pass residual, the colour layout, is not one of them), each
    scale-free (divided by its reservoir's variance), so that every octave counts alike."""

    def __init__(self, channels: int = 3, bands: int = 3, reservoir: int = 16384, directions: int = 13,
                 whiten: bool = True):
        super().__init__()
        self.bands, self.directions, self.whiten = bands, directions, whiten
        for k in range(bands):
            self.register_buffer(f"reservoir_band{k}", torch.zeros(reservoir, channels))
        self.register_buffer("filled", torch.zeros(bands, dtype=torch.long))  # colours written per band

    def _bands(self, images: torch.Tensor) -> list[torch.Tensor]:
        """(N, C, H, W) -> `bands` tensors (N_k, C): every pixel's colour in each band, the finest first.
        In fp32 under autocast too: a band is a small difference of two blurs."""
        with torch.autocast(images.device.type, enabled=False):
            return [colours(b, 1) for b in laplacian_pyramid(images.float(), self.bands + 1)[: self.bands]]

    @torch.no_grad()
    def gather(self, style: torch.Tensor, per_image: int = 512, generator: torch.Generator | None = None) -> None:
        """Add `per_image` random band colours of each style image (B, C, H, W) in [-1, 1] to each band's
        reservoir (a ring: the newest replace the oldest once full)."""
        for k, found in enumerate(self._bands(style)):
            reservoir = getattr(self, f"reservoir_band{k}")
            n = min(per_image * len(style), len(reservoir), len(found))
            pick = torch.randint(len(found), (n,), generator=generator).to(found.device)
            slots = (self.filled[k] + torch.arange(n, device=self.filled.device)) % len(reservoir)
            reservoir[slots] = found[pick].to(reservoir)
            self.filled[k] += n

    def forward(self, output: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """output (N, C, H, W) in [-1, 1] -> the sum over bands of the scale-free sliced W2 of its band
        colours to that band's reservoir."""
        if int(self.filled.min()) == 0:
            raise RuntimeError("BandPaletteLoss: gather() the style images first")
        c = output.shape[1]
        dirs = torch.cat([torch.eye(c), random_directions(c, self.directions, generator)], 1).to(output.device)
        total = output.new_zeros((), dtype=torch.float32)
        for k, mine in enumerate(self._bands(output)):
            total = total + self._band_distance(k, mine, dirs)
        return total

    def _band_distance(self, k: int, mine: torch.Tensor, dirs: torch.Tensor) -> torch.Tensor:
        """Band k's colours (M, C), directions (C, D) -> the scale-free sliced W2 to band k's reservoir."""
        reservoir = getattr(self, f"reservoir_band{k}")
        target = reservoir[: int(self.filled[k].clamp(max=len(reservoir)))]
        if self.whiten:  # each principal colour axis of the style's band counts alike (chroma is not drowned by luma)
            dirs = whitening(target) @ dirs
        mine = sorted_projections(mine, dirs)
        theirs = resample_sorted(sorted_projections(target, dirs), len(mine))
        return (mine - theirs).pow(2).mean() / theirs.var(0).mean().clamp_min(1e-12)
