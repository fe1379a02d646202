"""DCGAN generator (Radford et al. 2015): transposed convolutions, batch norm, ReLU, tanh."""
from __future__ import annotations

import torch
from torch import nn

from ...nn import init_weights
from ..registry import GENERATORS


def dcgan_stages(image_size: int) -> tuple[int, int]:
    """(start size, number of 2x stages) with start * 2**stages == image_size, start in {4, 7}."""
    for start in (4, 7):
        size, stages = image_size, 0
        while size > start and size % 2 == 0:
            size, stages = size // 2, stages + 1
        if size == start and stages >= 1:
            return start, stages
    raise ValueError(f"DCGAN image_size must be 4 or 7 times a power of two (e.g. 28, 32, 64), got {image_size}")


@GENERATORS.register("dcgan")
class DCGANGenerator(nn.Module):
    """z (N, latent_dim) -> images (N, channels, image_size, image_size) in [-1, 1].

    Projects z to a start x start map of base_channels * 2**(stages-1) channels, then doubles the
    resolution and halves the channels each stage. For 28: 7->14->28; 32: 4->8->16->32; 64: 4->...->64.
    `extra_layers` adds that many 3x3 conv-BN-ReLU layers at every resolution below the output's.
    """

    def __init__(self, image_size: int = 32, channels: int = 3, latent_dim: int = 100, base_channels: int = 64,
                 extra_layers: int = 0):
        super().__init__()
        start, stages = dcgan_stages(image_size)
        width = base_channels * 2 ** (stages - 1)
        self.latent_dim = latent_dim
        self.project = nn.Sequential(
            nn.ConvTranspose2d(latent_dim, width, start, 1, 0, bias=False),
            nn.BatchNorm2d(width),
            nn.ReLU(True),
        )
        extra = lambda w: [m for _ in range(extra_layers)  # noqa: E731
                           for m in (nn.Conv2d(w, w, 3, 1, 1, bias=False), nn.BatchNorm2d(w), nn.ReLU(True))]
        layers: list[nn.Module] = extra(width)
        for _ in range(stages - 1):
            layers += [nn.ConvTranspose2d(width, width // 2, 4, 2, 1, bias=False), nn.BatchNorm2d(width // 2), nn.ReLU(True)]
            width //= 2
            layers += extra(width)
        layers += [nn.ConvTranspose2d(width, channels, 4, 2, 1), nn.Tanh()]
        self.body = nn.Sequential(*layers)
        init_weights(self)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.body(self.project(z[:, :, None, None]))
