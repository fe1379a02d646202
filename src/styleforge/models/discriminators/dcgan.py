"""DCGAN discriminator: strided convolutions, batch norm, LeakyReLU(0.2), one logit per image."""
from __future__ import annotations

import torch
from torch import nn

from ...nn import init_weights
from ..generators.dcgan import dcgan_stages
from ..registry import DISCRIMINATORS


@DISCRIMINATORS.register("dcgan")
class DCGANDiscriminator(nn.Module):
    """images (N, channels, image_size, image_size) -> logits (N,). No norm on the first layer."""

    def __init__(self, image_size: int = 32, channels: int = 3, base_channels: int = 64):
        super().__init__()
        start, stages = dcgan_stages(image_size)
        layers: list[nn.Module] = [nn.Conv2d(channels, base_channels, 4, 2, 1), nn.LeakyReLU(0.2, True)]
        width = base_channels
        for _ in range(stages - 1):
            layers += [nn.Conv2d(width, width * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(width * 2), nn.LeakyReLU(0.2, True)]
            width *= 2
        layers += [nn.Conv2d(width, 1, start, 1, 0)]
        self.body = nn.Sequential(*layers)
        init_weights(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x).flatten(1).mean(1)
