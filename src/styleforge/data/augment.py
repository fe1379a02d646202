"""DiffAugment (Zhao et al. 2020): differentiable augmentations applied to every discriminator input.

Applied identically (same policy, fresh random parameters per sample) to real and fake images, so the
discriminator cannot memorise a small style set while gradients still reach the generator.
x: float (N, C, H, W) in [-1, 1] -> same shape.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ..specs import parse_names

POLICIES = ("color", "translation", "cutout")


def parse_policy(policy: str) -> tuple[str, ...]:
    parts = tuple(parse_names(policy))
    unknown = [p for p in parts if p not in POLICIES]
    if unknown:
        from ..errors import ConfigError
        raise ConfigError(f"unknown DiffAugment policy {', '.join(unknown)}; valid: {', '.join(POLICIES)}")
    return parts


def diff_augment(x: torch.Tensor, policy: str | tuple[str, ...]) -> torch.Tensor:
    parts = parse_policy(policy) if isinstance(policy, str) else policy
    for part in parts:
        x = _AUGMENTS[part](x)
    return x


def _color(x: torch.Tensor) -> torch.Tensor:
    n = x.shape[0]
    r = lambda: torch.rand(n, 1, 1, 1, device=x.device, dtype=x.dtype)  # noqa: E731
    x = x + (r() - 0.5)                                   # brightness ±0.5 (of the 2-wide range: ±0.25 in [0,1])
    mean = x.mean(1, keepdim=True)
    x = (x - mean) * (r() * 2) + mean                     # saturation x[0, 2]
    mean = x.mean((1, 2, 3), keepdim=True)
    return (x - mean) * (r() + 0.5) + mean                # contrast x[0.5, 1.5]


def _translation(x: torch.Tensor, ratio: float = 0.125) -> torch.Tensor:
    n, _, h, w = x.shape
    sh, sw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    ty = torch.randint(-sh, sh + 1, (n, 1, 1), device=x.device)
    tx = torch.randint(-sw, sw + 1, (n, 1, 1), device=x.device)
    gy, gx = torch.meshgrid(torch.arange(h, device=x.device), torch.arange(w, device=x.device), indexing="ij")
    gy = (gy[None] + ty).clamp(-1, h) + 1
    gx = (gx[None] + tx).clamp(-1, w) + 1
    padded = F.pad(x, (1, 1, 1, 1))  # zero border: shifted-in pixels are 0 (mid grey)
    idx = (gy * (w + 2) + gx).flatten(1)
    return padded.flatten(2).gather(2, idx[:, None].expand(-1, x.shape[1], -1)).view_as(x)


def _cutout(x: torch.Tensor, ratio: float = 0.5) -> torch.Tensor:
    n, _, h, w = x.shape
    ch, cw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    cy = torch.randint(0, h + (1 - ch % 2), (n, 1, 1), device=x.device)
    cx = torch.randint(0, w + (1 - cw % 2), (n, 1, 1), device=x.device)
    gy, gx = torch.meshgrid(torch.arange(h, device=x.device), torch.arange(w, device=x.device), indexing="ij")
    inside = ((gy[None] - cy).abs() < ch // 2 + ch % 2) & ((gx[None] - cx).abs() < cw // 2 + cw % 2)
    return x * (~inside)[:, None].to(x.dtype)


_AUGMENTS = {"color": _color, "translation": _translation, "cutout": _cutout}
