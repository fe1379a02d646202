"""Sliced Wasserstein distance on Laplacian-pyramid patches (Karras et al. 2018, ProGAN). No pretrained net.

For each pyramid level: draw `patches_per_image` random 7x7 patches from every image, normalise each
channel of the patch descriptors by the level's mean and std over both sets, then average, over
`directions` random unit vectors, the 1-D Wasserstein-1 distance between the projected sets
(sorted projections, mean absolute difference). Reported x1000, per level and averaged.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ..nn.filters import laplacian_pyramid
from ..nn.sorting import sort_values
from .registry import register_metric


def _patches(x: torch.Tensor, count: int, size: int, generator: torch.Generator) -> torch.Tensor:
    """x (N, C, H, W) -> (N * count, C * size * size) random patches."""
    n, c, h, w = x.shape
    ys = torch.randint(0, h - size + 1, (n, count), generator=generator)
    xs = torch.randint(0, w - size + 1, (n, count), generator=generator)
    offs = torch.arange(size)
    rows = (ys[..., None] + offs)[..., :, None].expand(-1, -1, size, size)   # (N, count, s, s)
    cols = (xs[..., None] + offs)[..., None, :].expand(-1, -1, size, size)
    flat = (rows * w + cols).reshape(n, 1, -1).expand(-1, c, -1)
    picked = x.reshape(n, c, h * w).gather(2, flat.to(x.device)).view(n, c, count, size * size)
    return picked.permute(0, 2, 1, 3).reshape(n * count, c * size * size)


def sliced_wasserstein(a: torch.Tensor, b: torch.Tensor, directions: int = 512, repeats: int = 4,
                       generator: torch.Generator | None = None) -> float:
    """a (Na, D), b (Nb, D) -> mean over random directions of W1 between the 1-D projections."""
    g = generator or torch.Generator().manual_seed(0)
    n = min(len(a), len(b))
    total = 0.0
    for _ in range(repeats):
        dirs = F.normalize(torch.randn(a.shape[1], directions, generator=g), dim=0).to(a)
        pa = a[torch.randperm(len(a), generator=g)[:n].to(a.device)] @ dirs
        pb = b[torch.randperm(len(b), generator=g)[:n].to(b.device)] @ dirs
        total += (sort_values(pa) - sort_values(pb)).abs().mean().item()
    return total / repeats


@torch.no_grad()
def swd(images_a: torch.Tensor, images_b: torch.Tensor, levels: int | None = None, patches_per_image: int = 128,
        patch_size: int = 7, seed: int = 0) -> dict[str, float]:
    """Two image sets (N, C, H, W) in [-1, 1] of the same H, W -> {'swd': mean, 'swd_<res>': per level} (x1000)."""
    if images_a.shape[1:] != images_b.shape[1:]:
        raise ValueError(f"SWD needs equal image shapes, got {tuple(images_a.shape[1:])} and {tuple(images_b.shape[1:])}")
    side = min(images_a.shape[-2:])
    levels = levels or max(1, min(4, (side // 16).bit_length()))
    g = torch.Generator().manual_seed(seed)
    result = {}
    for la, lb in zip(laplacian_pyramid(images_a.float(), levels), laplacian_pyramid(images_b.float(), levels)):
        size = min(patch_size, la.shape[-1], la.shape[-2])
        pa, pb = _patches(la, patches_per_image, size, g), _patches(lb, patches_per_image, size, g)
        both = torch.cat([pa, pb]).view(-1, la.shape[1], size * size)
        mean = both.mean((0, 2)).repeat_interleave(size * size)
        std = both.std((0, 2)).clamp_min(1e-8).repeat_interleave(size * size)
        result[f"swd_{la.shape[-1]}"] = 1e3 * sliced_wasserstein((pa - mean) / std, (pb - mean) / std, generator=g)
    result["swd"] = sum(result.values()) / len(result)
    return result


@register_metric("swd", "sliced Wasserstein distance of Laplacian-pyramid 7x7 patches to the style set (x1000, "
                 "lower = closer; swd_<size>: one pyramid level)")
def _swd_metric(outputs, photos, style):
    return swd(outputs, style)
