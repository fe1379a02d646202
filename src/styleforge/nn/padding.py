"""Reflection padding that keeps its input's dtype under autocast.

CPU autocast runs reflection_pad2d in fp32: every padded conv of a bf16 network then casts its bf16 input
up, pads it in fp32 and casts it back down for the conv, which took two thirds of a light generator's
bf16 stylising time (docs/benchmarks.md). Padding only copies values, so padding the bf16 tensor as it is
gives the very numbers the fp32 detour gives; outside autocast nothing changes.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def reflect_pad(x: torch.Tensor, pad: tuple[int, ...]) -> torch.Tensor:
    """x (N, C, H, W) -> reflection padded by `pad` (left, right, top, bottom), in x's dtype."""
    if torch.is_autocast_enabled(x.device.type):
        with torch.autocast(x.device.type, enabled=False):
            return F.pad(x, pad, mode="reflect")
    return F.pad(x, pad, mode="reflect")


class ReflectionPad2d(nn.ReflectionPad2d):
    """nn.ReflectionPad2d (same state, none) that keeps a bf16 input bf16 under autocast."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return reflect_pad(x, tuple(self.padding))


class ReflectConv2d(nn.Conv2d):
    """nn.Conv2d with padding_mode='reflect' (same parameters and state keys) whose padding keeps a bf16
    input bf16 under autocast; the convolution itself autocasts as usual."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, padding_mode="reflect", **kwargs)

    def _conv_forward(self, x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
        x = reflect_pad(x, self._reversed_padding_repeated_twice)
        return F.conv2d(x, weight, bias, self.stride, 0, self.dilation, self.groups)
