"""A light, norm-free generator for fast stylising that starts as the identity.

y = tanh(atanh(0.999 x) + delta(x)) (output="tanh"), or y = clamp(x + delta(x)) (output="residual": the clamp
leaks a gradient while training, so it cannot saturate; painterly trains at a high learning rate, where tanh
could freeze at +-1). delta's last convolution is zero-initialised, so an untrained generator returns (almost
exactly) its input and training only has to learn the change a style makes.
No normalisation layer means no per-image statistics: tiles of a large image are processed
independently with the same result as one pass (up to the receptive field at tile borders).

With `palette=True` a fixed colour map (nn.color.ColourMatch: the content set's YCbCr means and chroma
spread onto the style set's) comes first and delta is learned on top of it: the palette of a style set
is known from its statistics before any training step, and the network's few minutes go to texture.

With `noise_channels` > 0 the stem also reads that many channels of fixed position noise
(nn.position_noise): a function of the absolute pixel position, so tiles agree where they overlap and
every run gives the same output. A convolutional network maps a flat region (a clear sky) to a flat
output; with noise it can paint strokes there, as a painter does (forward(x, offset): the position of
x's top-left pixel in the whole image).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ...nn import collect_features, init_weights, position_noise
from ...nn.color import ColourMatch
from ...nn.padding import ReflectConv2d
from ..registry import GENERATORS


def reflect_conv(cin: int, cout: int, stride: int = 1) -> nn.Conv2d:
    return ReflectConv2d(cin, cout, 3, stride, 1)


class PlainResidualBlock(nn.Module):
    """x (N, C, H, W) -> x + conv(lrelu(conv(x))), no normalisation."""

    def __init__(self, channels: int):
        super().__init__()
        self.body = nn.Sequential(reflect_conv(channels, channels), nn.LeakyReLU(0.2, True), reflect_conv(channels, channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


def leaky_clamp(y: torch.Tensor, training: bool, slope: float = 0.02) -> torch.Tensor:
    """[-1, 1] at inference; while training, values beyond keep a slope of `slope` (so they stay a little
    outside the range), and a generator pushed past it still gets a gradient back (a saturated tanh, or a
    plain clamp, would stay stuck). Keeping the excess visible mattered: with the value clamped and only the
    gradient leaking, the stippling test's SWD ratio went from 0.29 to 0.48 (seed 0; tests/recipes/test_painterly.py)."""
    clamped = y.clamp(-1, 1)
    return clamped + slope * (y - clamped) if training else clamped


@GENERATORS.register("light")
class LightGenerator(nn.Module):
    """images (N, C, H, W) in [-1, 1] -> same shape in [-1, 1]; H, W multiples of 4.

    full-res conv (b) -> two stride-2 convs (2b, 4b) -> `blocks` residual blocks at 1/4 resolution ->
    two resize-convolutions back up (2b, b) -> concat with the full-res features -> zero-init conv.
    About 1.4 GMAC per 256x256 image with b=16, blocks=2.
    """

    size_multiple = 4
    #: faster in channels-last memory on the CPU (benchmarks/speed.py: 1.3-2x); the Stylizer uses it
    prefers_channels_last = True
    autocast_safe = True  # under bf16 autocast its output stays within 1/255 of fp32 (tests/inference/test_stylizer.py)

    def __init__(self, channels: int = 3, base_channels: int = 16, blocks: int = 2, noise_channels: int = 0,
                 output: str = "tanh", palette: bool = False):
        super().__init__()
        if output not in ("tanh", "residual"):
            raise ValueError(f"unknown output '{output}'; valid: tanh, residual")
        if palette and channels != 3:
            raise ValueError("palette=True needs RGB images (channels=3)")
        b = base_channels
        self.noise_channels, self.output = noise_channels, output
        # a fixed set-to-set colour map applied first (the identity until a recipe fits it, nn/color.py)
        self.palette = ColourMatch() if palette else None
        act = lambda: nn.LeakyReLU(0.2, True)  # noqa: E731
        self.stem = nn.Sequential(reflect_conv(channels + noise_channels, b), act())
        self.layers = nn.Sequential(reflect_conv(b, 2 * b, 2), act(), reflect_conv(2 * b, 4 * b, 2), act(),
                                    *[PlainResidualBlock(4 * b) for _ in range(blocks)])
        self.up1 = nn.Sequential(reflect_conv(4 * b, 2 * b), act())
        self.up2 = nn.Sequential(reflect_conv(2 * b, b), act())
        self.head = reflect_conv(2 * b, channels)
        init_weights(self)
        nn.init.zeros_(self.head.weight)
        nn.init.zeros_(self.head.bias)

    @property
    def nce_layers(self) -> list[int]:
        """Feature ids for PatchNCE: the stem, both downsampling convs, the last block."""
        return [0, 2, 4, len(self.layers)]

    def stem_input(self, x: torch.Tensor, offset=(0, 0)) -> torch.Tensor:
        """x, with the position noise channels appended when the generator has them."""
        if not self.noise_channels:
            return x
        noise = position_noise(x.shape[-2], x.shape[-1], self.noise_channels, offset, x.device, x.dtype)
        return torch.cat([x, noise.expand(x.shape[0], -1, -1, -1)], 1)

    def features(self, x: torch.Tensor, ids, offset=(0, 0)) -> list[torch.Tensor]:
        """id 0 = stem output (N, b, H, W); id i >= 1 = output of self.layers[i - 1]."""
        if self.palette is not None:
            x = self.palette(x)
        x = self.stem(self.stem_input(x, offset))
        deeper = [i for i in ids if i > 0]
        return ([x] if 0 in ids else []) + (collect_features(self.layers, x, deeper, start=1) if deeper else [])

    def forward(self, x: torch.Tensor, offset=(0, 0)) -> torch.Tensor:
        return self.forward_features(x, [], offset)[0]

    def forward_features(self, x: torch.Tensor, ids, offset=(0, 0)) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """One pass: (forward(x), features(x, ids)), for losses that need both (distillation)."""
        if self.palette is not None:
            x = self.palette(x)
        skip = self.stem(self.stem_input(x, offset))
        wanted, last = {i: None for i in ids}, max(ids, default=-1)
        if 0 in wanted:
            wanted[0] = skip
        h = skip
        for i, layer in enumerate(self.layers, start=1):
            h = layer(h)
            if i in wanted:  # as in features(), where the deepest id is read before the next in-place activation
                nxt = self.layers[i] if i < len(self.layers) else None
                wanted[i] = h.clone() if i == last and getattr(nxt, "inplace", False) else h
        h = self.up1(F.interpolate(h, scale_factor=2, mode="nearest"))
        h = self.up2(F.interpolate(h, scale_factor=2, mode="nearest"))
        delta = self.head(torch.cat([h, skip], 1))
        if self.output == "residual":
            return leaky_clamp(x + delta, self.training), [wanted[i] for i in ids]
        return torch.tanh(torch.atanh(x.clamp(-1, 1) * 0.999) + delta), [wanted[i] for i in ids]
