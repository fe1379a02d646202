"""Classifier two-sample test: can a fresh small CNN tell generated images from real ones?

Both sets are split in half (seeded); a small CNN is trained on the first halves (real = 1, generated
= 0) and its accuracy on the second halves is reported: 0.5 = indistinguishable, 1.0 = always told apart.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from .fitting import fit
from .registry import register_metric


def _critic(channels: int, width: int = 32) -> nn.Module:
    """(N, C, S, S) -> logits (N,). Three stride-2 convs and global average pooling."""
    return nn.Sequential(
        nn.Conv2d(channels, width, 3, 2, 1), nn.LeakyReLU(0.2),
        nn.Conv2d(width, width * 2, 3, 2, 1), nn.LeakyReLU(0.2),
        nn.Conv2d(width * 2, width * 4, 3, 2, 1), nn.LeakyReLU(0.2),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(width * 4, 1), nn.Flatten(0))


def c2st(real: torch.Tensor, fake: torch.Tensor, size: int = 64, epochs: int = 30, batch_size: int = 32,
         seed: int = 0) -> dict[str, float]:
    """real (N, C, H, W), fake (M, C, H', W') in [-1, 1] -> {'c2st': held-out accuracy, 'c2st_n': test size,
    'c2st_low', 'c2st_high': its 95% Wilson interval (on 18 images a wide one: read it before ranking models)}."""
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    resize = lambda x: F.interpolate(x.float(), size=(size, size), mode="area")  # noqa: E731
    real, fake = resize(real), resize(fake)
    n = min(len(real), len(fake))
    if n < 4:
        raise ValueError(f"C2ST needs at least 4 images per set, got {len(real)} real and {len(fake)} generated")
    real, fake = real[torch.randperm(len(real), generator=g)[:n]], fake[torch.randperm(len(fake), generator=g)[:n]]
    half = n // 2
    x_train, y_train = torch.cat([real[:half], fake[:half]]), torch.cat([torch.ones(half), torch.zeros(half)])
    x_test, y_test = torch.cat([real[half:], fake[half:]]), torch.cat([torch.ones(n - half), torch.zeros(n - half)])
    model = fit(_critic(real.shape[1]), x_train, y_train, F.binary_cross_entropy_with_logits, epochs, batch_size, g)
    with torch.no_grad():
        accuracy = ((model(x_test) > 0).float() == y_test).float().mean().item()
    low, high = wilson_interval(accuracy, len(x_test))
    return {"c2st": accuracy, "c2st_n": float(len(x_test)), "c2st_low": low, "c2st_high": high}


def wilson_interval(p: float, n: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval (95% for z = 1.96) of a proportion p measured on n trials."""
    centre, half = p + z * z / (2 * n), z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, (centre - half) / (1 + z * z / n)), min(1.0, (centre + half) / (1 + z * z / n))


@register_metric("c2st", "held-out accuracy of a classifier telling output from style images (0.5 = "
                 "indistinguishable, lower = closer)", notes={"c2st_n": "held-out images (both sets together) the c2st accuracy was measured on",
                                            "c2st_low": "lower end of the c2st accuracy's 95% interval",
                                            "c2st_high": "upper end of the c2st accuracy's 95% interval"})
def _c2st_metric(outputs, photos, style):
    return c2st(style, outputs)
