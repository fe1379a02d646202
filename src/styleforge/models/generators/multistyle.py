"""One light generator for many styles: the `light` network with every layer modulated by a style code.

A style is a row of `codes` (S, D): per layer, a scale and a shift for each channel (FiLM:
h <- h * (1 + gamma_s) + beta_s). Mixing styles mixes their codes: weights w (N, S) give the code w @ codes,
so a one-hot w is exactly that style and small weight changes give small code changes. A new style is a
new row (an adapter of 4 * D bytes, e.g. 2.3 KB at base_channels=16, blocks=2), learned with every other
weight frozen. Like `light`, the output starts as the input (zero-initialised head), whatever the style.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ...nn import init_weights
from ..registry import GENERATORS
from .light import PlainResidualBlock, reflect_conv


@GENERATORS.register("light_multi")
class MultiStyleLightGenerator(nn.Module):
    """images (N, C, H, W) in [-1, 1] (H, W multiples of 4), style weights (N, S) -> same shape in [-1, 1].

    `forward(x)` uses `self.mix` (S,) (set with `select`); `forward(x, weights)` takes (N, S) or (S,) weights.
    """

    size_multiple = 4
    #: faster in channels-last memory on the CPU (benchmarks/speed.py: 1.3-2x); the Stylizer uses it
    prefers_channels_last = True
    autocast_safe = True  # under bf16 autocast its output stays within 1/255 of fp32 (tests/inference/test_stylizer.py)

    def __init__(self, channels: int = 3, base_channels: int = 16, blocks: int = 2, styles: int = 2):
        super().__init__()
        b = base_channels
        self.act = nn.LeakyReLU(0.2)
        self.stem = reflect_conv(channels, b)
        self.down = nn.ModuleList([reflect_conv(b, 2 * b, 2), reflect_conv(2 * b, 4 * b, 2)])
        self.blocks = nn.ModuleList(PlainResidualBlock(4 * b) for _ in range(blocks))
        self.up = nn.ModuleList([reflect_conv(4 * b, 2 * b), reflect_conv(2 * b, b)])
        self.head = reflect_conv(2 * b, channels)
        self.film_channels = [b, 2 * b, 4 * b] + [4 * b] * blocks + [2 * b, b]
        self.codes = nn.Parameter(torch.zeros(styles, 2 * sum(self.film_channels)))  # zero code: no modulation
        self.register_buffer("mix", F.one_hot(torch.tensor(0), styles).float())
        init_weights(self)
        nn.init.zeros_(self.head.weight)
        nn.init.zeros_(self.head.bias)
        with torch.no_grad():
            self.codes.normal_(0.0, 0.02)

    @property
    def styles(self) -> int:
        return self.codes.shape[0]

    def select(self, weights) -> None:
        """Style weights (S,) for `forward(x)`; normalised to sum 1."""
        w = torch.as_tensor(weights, dtype=torch.float32, device=self.codes.device).flatten()
        if w.numel() != self.styles or (w < 0).any() or w.sum() <= 0:
            raise ValueError(f"need {self.styles} non-negative style weights with a positive sum, got {w.tolist()}")
        self.mix.copy_(w / w.sum())

    def _films(self, weights: torch.Tensor | None, n: int, codes: torch.Tensor | None = None) -> list[torch.Tensor]:
        codes = self.codes if codes is None else codes
        w = self.mix if weights is None else weights.to(codes.dtype)
        w = w.expand(n, -1) if w.dim() == 1 else w
        return list((w @ codes).split([2 * c for c in self.film_channels], dim=1))

    @staticmethod
    def _film(h: torch.Tensor, film: torch.Tensor) -> torch.Tensor:
        gamma, beta = film[:, :, None, None].chunk(2, dim=1)
        return h * (1 + gamma) + beta

    @property
    def nce_layers(self) -> list[int]:
        return [0, 1, 2, 2 + len(self.blocks)]

    def _trunk(self, x, weights, codes=None):
        """Yields the features in order: stem, down1, down2, blocks...; then returns delta via StopIteration."""
        films = iter(self._films(weights, x.shape[0], codes))
        skip = self._film(self.act(self.stem(x)), next(films))
        yield skip
        h = skip
        for conv in self.down:
            h = self._film(self.act(conv(h)), next(films))
            yield h
        for block in self.blocks:
            h = self._film(block(h), next(films))
            yield h
        for conv in self.up:
            h = self._film(self.act(conv(F.interpolate(h, scale_factor=2, mode="nearest"))), next(films))
        return self.head(torch.cat([h, skip], 1))

    def features(self, x: torch.Tensor, ids, weights: torch.Tensor | None = None,
                 codes: torch.Tensor | None = None) -> list[torch.Tensor]:
        """Modulated features of layers `ids` (0 = stem, 1-2 = downsampling convs, 3.. = blocks); `codes`
        (S', D) replaces self.codes (e.g. with a new style's row appended)."""
        wanted, out = set(ids), []
        for i, h in enumerate(self._trunk(x, weights, codes)):
            if i in wanted:
                out.append(h)
            if i >= max(wanted):
                break
        return out

    def forward(self, x: torch.Tensor, weights: torch.Tensor | None = None, codes: torch.Tensor | None = None):
        trunk = self._trunk(x, weights, codes)
        try:
            while True:
                next(trunk)
        except StopIteration as done:
            delta = done.value
        return torch.tanh(torch.atanh(x.clamp(-1, 1) * 0.999) + delta)
