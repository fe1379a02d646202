"""The fully connected discriminator of Goodfellow et al. 2014 (LeakyReLU + dropout in place of maxout)."""
from __future__ import annotations

import torch
from torch import nn

from ..registry import DISCRIMINATORS


@DISCRIMINATORS.register("mlp")
class MLPDiscriminator(nn.Module):
    """images (N, channels, image_size, image_size) -> logits (N,)."""

    def __init__(self, image_size: int = 28, channels: int = 1, hidden: tuple[int, ...] | list[int] = (512, 256),
                 dropout: float = 0.3):
        super().__init__()
        layers: list[nn.Module] = [nn.Flatten()]
        width = channels * image_size * image_size
        for h in hidden:
            layers += [nn.Linear(width, h), nn.LeakyReLU(0.2, True), nn.Dropout(dropout)]
            width = h
        layers += [nn.Linear(width, 1)]
        self.body = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)[:, 0]
