"""Building blocks shared by the image-to-image networks."""
from __future__ import annotations

import torch
from torch import nn

from .padding import ReflectionPad2d

NORMS = {
    "instance": lambda c: nn.InstanceNorm2d(c, affine=False),
    "batch": lambda c: nn.BatchNorm2d(c),
    "none": lambda c: nn.Identity(),
}


def norm_layer(kind: str, channels: int) -> nn.Module:
    if kind not in NORMS:
        raise ValueError(f"unknown norm '{kind}'; valid: {', '.join(NORMS)}")
    return NORMS[kind](channels)


class ResnetBlock(nn.Module):
    """x (N, C, H, W) -> x + conv-norm-relu-conv-norm(x), reflection padded."""

    def __init__(self, channels: int, norm: str = "instance"):
        super().__init__()
        bias = norm != "batch"
        self.body = nn.Sequential(
            ReflectionPad2d(1), nn.Conv2d(channels, channels, 3, bias=bias), norm_layer(norm, channels), nn.ReLU(True),
            ReflectionPad2d(1), nn.Conv2d(channels, channels, 3, bias=bias), norm_layer(norm, channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


def upsample(in_channels: int, out_channels: int, mode: str, bias: bool) -> nn.Module:
    """2x upsampling: 'transposed' (the reference) or 'resize' (nearest + conv, no checkerboard)."""
    if mode == "transposed":
        return nn.ConvTranspose2d(in_channels, out_channels, 3, stride=2, padding=1, output_padding=1, bias=bias)
    if mode == "resize":
        return nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), ReflectionPad2d(1),
                             nn.Conv2d(in_channels, out_channels, 3, bias=bias))
    raise ValueError(f"unknown upsampling '{mode}'; valid: transposed, resize")


def collect_features(stages, x: torch.Tensor, ids, start: int = 0) -> list[torch.Tensor]:
    """Run `stages` in order on x; return the outputs of stage ids `ids` (numbered from `start`),
    stopping after the last one wanted."""
    out, wanted, last = [], set(ids), max(ids)
    for i, stage in enumerate(stages, start=start):
        if i > last:
            break
        x = stage(x)
        if i in wanted:
            out.append(x)
    return out
