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


def add_to_ring(reservoir: torch.Tensor, filled: torch.Tensor, found: torch.Tensor, count: int,
                generator: torch.Generator | None = None) -> int:
    """Write `count` random rows of found (M, C) into reservoir (S, C), a ring whose next slot is `filled`
    (mod S): at most S rows, and no more than there are. Returns how many were written (add it to filled)."""
    k = min(count, len(reservoir), len(found))
    pick = torch.randint(len(found), (k,), generator=generator).to(found.device)
    slots = (filled + torch.arange(k, device=filled.device)) % len(reservoir)
    reservoir[slots] = found[pick].to(reservoir)
    return k


def scale_free_sliced_w2(mine: torch.Tensor, target: torch.Tensor, dirs: torch.Tensor) -> torch.Tensor:
    """mine (M, C), target (S, C) vectors, directions (C, D) -> the mean squared difference of their sorted
    projections (the target's read at M quantiles), divided by the target's variance along the directions."""
    mine = sorted_projections(mine, dirs)  # float32 under autocast too
    theirs = resample_sorted(sorted_projections(target, dirs), len(mine))
    return (mine - theirs).pow(2).mean() / theirs.var(0).mean().clamp_min(1e-12)


def axes_and_directions(channels: int, count: int, generator: torch.Generator | None, device) -> torch.Tensor:
    """(channels, channels + count): the colour axes themselves, then `count` random unit directions."""
    return torch.cat([torch.eye(channels), random_directions(channels, count, generator)], 1).to(device)


class PaletteLoss(nn.Module):
    def __init__(self, channels: int = 3, reservoir: int = 16384, pool: int = 2, directions: int = 13):
        super().__init__()
        self.pool, self.directions = pool, directions
        self.register_buffer("reservoir", torch.zeros(reservoir, channels))
        self.register_buffer("filled", torch.zeros((), dtype=torch.long))  # colours written (a ring once full)

    @torch.no_grad()
    def gather(self, style: torch.Tensor, per_image: int = 512, generator: torch.Generator | None = None) -> None:
        """Add `per_image` random colours of each style image (B, C, H, W) in [-1, 1] to the reservoir."""
        self.filled += add_to_ring(self.reservoir, self.filled, colours(style, self.pool), per_image * len(style),
                                   generator)

    def forward(self, output: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """output (N, C, H, W) in [-1, 1] -> the scale-free sliced W2 of its colours to the reservoir."""
        if int(self.filled) == 0:
            raise RuntimeError("PaletteLoss: gather() the style images first")
        target = self.reservoir[: int(self.filled.clamp(max=len(self.reservoir)))]
        dirs = axes_and_directions(target.shape[1], self.directions, generator, output.device)
        return scale_free_sliced_w2(colours(output, self.pool), target, dirs)


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
            self.filled[k] += add_to_ring(getattr(self, f"reservoir_band{k}"), self.filled[k], found,
                                          per_image * len(style), generator)

    def forward(self, output: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """output (N, C, H, W) in [-1, 1] -> the sum over bands of the scale-free sliced W2 of its band
        colours to that band's reservoir."""
        if int(self.filled.min()) == 0:
            raise RuntimeError("BandPaletteLoss: gather() the style images first")
        dirs = axes_and_directions(output.shape[1], self.directions, generator, output.device)
        total = output.new_zeros((), dtype=torch.float32)
        for k, mine in enumerate(self._bands(output)):
            reservoir = getattr(self, f"reservoir_band{k}")
            target = reservoir[: int(self.filled[k].clamp(max=len(reservoir)))]
            # whitened, each principal colour axis of the style's band counts alike (chroma not drowned by luma)
            total = total + scale_free_sliced_w2(mine, target, whitening(target) @ dirs if self.whiten else dirs)
        return total
