"""Losses on the features of a frozen network (models.features): content and style distances.

Each takes feature maps (N, C, H, W) (or their precomputed statistics) and returns a scalar; every
one is computed in float32 whatever the input dtype (bf16 under autocast), since Gram matrices and
sorted projections lose too much in 8 mantissa bits.

- content_distance: mean squared difference of two feature maps (Johnson et al. 2016's feature
  reconstruction loss), optionally after unit-normalising each position's channel vector (the LPIPS
  form, Zhang et al. 2018, without its learned channel weights).
- gram_matrix / gram_distance: G = F F^T / (C H W) per image, and the squared Frobenius distance
  between Grams (Gatys et al. 2016's style loss).
- mean_std / mean_std_distance: per-channel mean and standard deviation over positions (the
  statistics AdaIN transfers, Huang & Belongie 2017) and their squared distance.
- sliced_wasserstein_distance: the squared 2-Wasserstein distance between the two sets of feature
  vectors along random unit directions (Heitz et al. 2021's SWD texture loss); it matches the whole
  1-D distribution along each direction, not only its first two moments.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ..nn.sorting import sort_values


def unit_channels(f: torch.Tensor, eps: float = 1e-10) -> torch.Tensor:
    """(N, C, H, W) -> each position's channel vector divided by its Euclidean norm."""
    f = f.float()
    return f / (f.pow(2).sum(1, keepdim=True) + eps).sqrt()


def content_distance(a: torch.Tensor, b: torch.Tensor, normalize: bool = False) -> torch.Tensor:
    """a, b (N, C, H, W) -> mean over elements of (a - b)^2 (of unit-normalised channels if `normalize`:
    then the sum over channels, averaged over positions, as in LPIPS)."""
    if normalize:
        return (unit_channels(a) - unit_channels(b)).pow(2).sum(1).mean()
    return (a.float() - b.float()).pow(2).mean()


def gram_matrix(f: torch.Tensor) -> torch.Tensor:
    """(N, C, H, W) -> (N, C, C): F F^T / (C H W)."""
    n, c, h, w = f.shape
    flat = f.float().reshape(n, c, h * w)
    return flat @ flat.transpose(1, 2) / (c * h * w)


def gram_distance(f: torch.Tensor, target_gram: torch.Tensor) -> torch.Tensor:
    """f (N, C, H, W), target_gram (C, C) or (N, C, C) -> mean squared difference of the Grams."""
    return (gram_matrix(f) - target_gram.float()).pow(2).mean() * f.shape[1]


def mean_std(f: torch.Tensor, eps: float = 1e-5) -> tuple[torch.Tensor, torch.Tensor]:
    """(N, C, H, W) -> (mean (N, C), std (N, C)) over positions."""
    flat = f.float().flatten(2)
    return flat.mean(2), (flat.var(2, unbiased=False) + eps).sqrt()


def mean_std_distance(f: torch.Tensor, target_mean: torch.Tensor, target_std: torch.Tensor) -> torch.Tensor:
    """f (N, C, H, W); targets (C,) or (N, C) -> mean squared difference of the channel means plus that
    of the channel standard deviations."""
    mean, std = mean_std(f)
    return (mean - target_mean.float()).pow(2).mean() + (std - target_std.float()).pow(2).mean()


def random_directions(channels: int, count: int, generator: torch.Generator | None = None,
                      device: torch.device | str | None = None) -> torch.Tensor:
    """(channels, count) unit vectors, uniformly distributed on the sphere."""
    return F.normalize(torch.randn(channels, count, generator=generator), dim=0).to(device)


def sorted_projections(f: torch.Tensor, directions: torch.Tensor, samples: int | None = None,
                       generator: torch.Generator | None = None) -> torch.Tensor:
    """f (N, C, H, W) or (M, C) vectors, directions (C, D) -> (S, D) float32: the projections of every vector
    (or of `samples` of them, drawn with replacement) onto each direction, sorted along S. In float32 under
    autocast too: a bf16 matmul rounds every projection to 3 significant digits, and the sliced distances
    compare sorted projections of two close distributions (their differences drowned in that rounding)."""
    vectors = f.float().permute(0, 2, 3, 1).reshape(-1, f.shape[1]) if f.dim() == 4 else f.float()
    if samples is not None and samples != len(vectors):
        vectors = vectors[torch.randint(len(vectors), (samples,), generator=generator).to(vectors.device)]
    with torch.autocast(vectors.device.type, enabled=False):
        return sort_values(vectors @ directions.float())


def resample_sorted(values: torch.Tensor, count: int) -> torch.Tensor:
    """(S, D) sorted columns -> (count, D): the same quantile functions read at `count` evenly spaced
    levels (linear interpolation), so that sets of different sizes can be compared."""
    if len(values) == count:
        return values
    return F.interpolate(values.T[None], size=count, mode="linear", align_corners=True)[0].T


def sliced_wasserstein_distance(f: torch.Tensor, target_sorted: torch.Tensor, directions: torch.Tensor) -> torch.Tensor:
    """f (N, C, H, W); target_sorted (S, D), the sorted projections of the target set on `directions`
    (C, D) -> mean over directions and quantiles of (sorted projection of f - target)^2."""
    mine = sorted_projections(f, directions)
    return (mine - resample_sorted(target_sorted.float(), len(mine))).pow(2).mean()
