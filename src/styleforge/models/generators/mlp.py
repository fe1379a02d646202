"""The fully connected generator of Goodfellow et al. 2014."""
from __future__ import annotations

import math

import torch
from torch import nn

from ..registry import GENERATORS


@GENERATORS.register("mlp")
class MLPGenerator(nn.Module):
    """z (N, latent_dim) -> images (N, channels, image_size, image_size) in [-1, 1] through ReLU MLP layers."""

    def __init__(self, image_size: int = 28, channels: int = 1, latent_dim: int = 100,
                 hidden: tuple[int, ...] | list[int] = (256, 512, 1024)):
        super().__init__()
        self.latent_dim, self.shape = latent_dim, (channels, image_size, image_size)
        layers: list[nn.Module] = []
        width = latent_dim
        for h in hidden:
            layers += [nn.Linear(width, h), nn.ReLU(True)]
            width = h
        layers += [nn.Linear(width, math.prod(self.shape)), nn.Tanh()]
        self.body = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.body(z).view(z.shape[0], *self.shape)
