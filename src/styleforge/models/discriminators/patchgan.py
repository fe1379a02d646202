"""PatchGAN discriminators (Isola et al. 2017) and a multi-scale stack of them (Wang et al. 2018)."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import spectral_norm as _spectral

from ...nn import box_blur, init_weights, norm_layer
from ..registry import DISCRIMINATORS


@DISCRIMINATORS.register("patchgan")
class PatchGANDiscriminator(nn.Module):
    """images (N, C, H, W) -> patch logits (N, 1, H', W'), one per overlapping patch.

    `layers` stride-2 4x4 convs then two stride-1 ones; 3 layers give 70x70 receptive fields and, with
    64 base channels and instance norm, the reference network (2,764,737 parameters).
    `highpass` > 0 also feeds the image's high-frequency band, highpass * (x - box3(x)), as extra input
    channels: fine texture (smoothing, grain, flat colour) is a small fraction of a photo's variance, and
    an amplified band lets the first layer see it from the start.
    """

    def __init__(self, channels: int = 3, base_channels: int = 64, layers: int = 3, norm: str = "instance",
                 spectral_norm: bool = False, highpass: float = 0.0):
        super().__init__()
        sn = _spectral if spectral_norm else (lambda m: m)
        bias = norm != "batch"
        self.highpass = highpass
        inputs = 2 * channels if highpass else channels
        body: list[nn.Module] = [sn(nn.Conv2d(inputs, base_channels, 4, 2, 1)), nn.LeakyReLU(0.2, True)]
        width = base_channels
        for i in range(1, layers + 1):
            out = base_channels * min(2 ** i, 8)
            stride = 2 if i < layers else 1
            body += [sn(nn.Conv2d(width, out, 4, stride, 1, bias=bias)), norm_layer(norm, out), nn.LeakyReLU(0.2, True)]
            width = out
        body += [sn(nn.Conv2d(width, 1, 4, 1, 1))]
        self.body = nn.Sequential(*body)
        init_weights(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.highpass:
            x = torch.cat([x, self.highpass * high_frequencies(x)], 1)
        return self.body(x)


def high_frequencies(x: torch.Tensor) -> torch.Tensor:
    """(N, C, H, W) -> x minus its 3x3 box blur (reflect-padded), same shape."""
    return x - box_blur(x, 1, padding="reflect")


@DISCRIMINATORS.register("patchgan_multi")
class MultiHeadPatchGAN(PatchGANDiscriminator):
    """A style-aware PatchGAN: a shared trunk and one output channel per style.
    images (N, C, H, W), style indices (N,) -> that style's patch logits (N, 1, H', W');
    without indices, every style's logits (N, styles, H', W')."""

    def __init__(self, channels: int = 3, base_channels: int = 64, layers: int = 3, norm: str = "instance",
                 spectral_norm: bool = False, styles: int = 2):
        super().__init__(channels, base_channels, layers, norm, spectral_norm)
        last = self.body[-1]
        last = getattr(last, "module", last)
        conv = nn.Conv2d(last.in_channels, styles, 4, 1, 1)
        init_weights(conv)
        self.body[-1] = _spectral(conv) if spectral_norm else conv

    def forward(self, x: torch.Tensor, style: torch.Tensor | None = None) -> torch.Tensor:
        out = self.body(x)
        if style is None:
            return out
        return out.gather(1, style.view(-1, 1, 1, 1).expand(-1, 1, *out.shape[2:]))


@DISCRIMINATORS.register("multiscale")
class MultiScaleDiscriminator(nn.Module):
    """`scales` PatchGANs on the image downsampled 1x, 2x, 4x, ... -> their patch logits, flattened and
    concatenated (N, P), so the adversarial losses average over every scale's patches."""

    def __init__(self, channels: int = 3, base_channels: int = 64, layers: int = 3, scales: int = 2,
                 norm: str = "instance", spectral_norm: bool = False):
        super().__init__()
        self.heads = nn.ModuleList(PatchGANDiscriminator(channels, base_channels, layers, norm, spectral_norm)
                                   for _ in range(scales))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        outs = []
        for i, head in enumerate(self.heads):
            if i:
                x = F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False)
            outs.append(head(x).flatten(1))
        return torch.cat(outs, 1)
