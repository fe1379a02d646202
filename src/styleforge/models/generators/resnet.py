"""ResNet image-to-image generator (Johnson et al. 2016; the CycleGAN / CUT reference architecture)."""
from __future__ import annotations

import torch
from torch import nn

from ...nn import ResnetBlock, collect_features, init_weights, norm_layer, upsample
from ...nn.padding import ReflectionPad2d
from ..registry import GENERATORS


@GENERATORS.register("resnet")
class ResnetGenerator(nn.Module):
    """images (N, C, H, W) in [-1, 1] -> images (N, C, H, W) in [-1, 1]; H, W multiples of 4.

    c7s1-b, d2b, d4b, `blocks` x R4b, u2b, u1b, c7s1-C with b = base_channels. With 9 blocks, 64 base
    channels, instance norm and transposed-conv upsampling it is the reference CycleGAN network
    (11,378,179 parameters). `upsampling='resize'` swaps the transposed convs for resize-convolutions.

    `layers` is a flat nn.Sequential so that `features(x, ids)` can return the activations that CUT's
    PatchNCE loss samples (default ids 0, 4, 8, 12, 16: input, the two downsampling convs, two blocks).
    """

    def __init__(self, channels: int = 3, base_channels: int = 64, blocks: int = 9, norm: str = "instance",
                 upsampling: str = "transposed"):
        super().__init__()
        b, bias = base_channels, norm != "batch"
        layers: list[nn.Module] = [ReflectionPad2d(3), nn.Conv2d(channels, b, 7, bias=bias), norm_layer(norm, b), nn.ReLU(True)]
        for mult in (1, 2):
            layers += [nn.Conv2d(b * mult, b * mult * 2, 3, stride=2, padding=1, bias=bias),
                       norm_layer(norm, b * mult * 2), nn.ReLU(True)]
        layers += [ResnetBlock(b * 4, norm) for _ in range(blocks)]
        for mult in (4, 2):
            layers += [upsample(b * mult, b * mult // 2, upsampling, bias), norm_layer(norm, b * mult // 2), nn.ReLU(True)]
        layers += [ReflectionPad2d(3), nn.Conv2d(b, channels, 7), nn.Tanh()]
        self.layers = nn.Sequential(*layers)
        init_weights(self)

    size_multiple = 4

    @property
    def nce_layers(self) -> list[int]:
        """PatchNCE feature ids: 0, 4, 8, 12, 16 where they fall in the encoder half of `layers`."""
        return [i for i in (0, 4, 8, 12, 16) if i < len(self.layers) // 2] or [0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)

    def features(self, x: torch.Tensor, ids: tuple[int, ...] | list[int]) -> list[torch.Tensor]:
        """Activations after layers `ids` (0 = after the first layer), computed up to max(ids)."""
        return collect_features(self.layers, x, ids)
