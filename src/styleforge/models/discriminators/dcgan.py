"""DCGAN discriminator: strided convolutions, batch norm, LeakyReLU(0.2), one logit per image."""
from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils import spectral_norm as _spectral

from ...nn import init_weights
from ..generators.dcgan import dcgan_stages
from ..registry import DISCRIMINATORS


@DISCRIMINATORS.register("dcgan")
class DCGANDiscriminator(nn.Module):
    """images (N, channels, image_size, image_size) -> logits (N,). No norm on the first layer.

    `norm`: 'batch' (the paper) or 'none'; `spectral_norm` wraps every conv (Miyato et al. 2018);
    `minibatch_std` appends, before the last conv, one channel holding the mean over features of the
    per-feature std across the batch (Karras et al. 2018), which lets D see a lack of variety.
    """

    def __init__(self, image_size: int = 32, channels: int = 3, base_channels: int = 64, norm: str = "batch",
                 spectral_norm: bool = False, minibatch_std: bool = False):
        super().__init__()
        if norm not in ("batch", "none"):
            raise ValueError(f"DCGAN discriminator norm must be 'batch' or 'none', got '{norm}'")
        sn = _spectral if spectral_norm else (lambda m: m)
        start, stages = dcgan_stages(image_size)
        layers: list[nn.Module] = [sn(nn.Conv2d(channels, base_channels, 4, 2, 1)), nn.LeakyReLU(0.2, True)]
        width = base_channels
        for _ in range(stages - 1):
            layers += [sn(nn.Conv2d(width, width * 2, 4, 2, 1, bias=norm != "batch")),
                       nn.BatchNorm2d(width * 2) if norm == "batch" else nn.Identity(), nn.LeakyReLU(0.2, True)]
            width *= 2
        self.body = nn.Sequential(*layers)
        self.minibatch_std = minibatch_std
        self.head = sn(nn.Conv2d(width + int(minibatch_std), 1, start, 1, 0))
        init_weights(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.body(x)
        if self.minibatch_std:
            # +1e-8 under the root: finite gradients (also second order, R1) where a feature is constant
            std = (h.var(0, unbiased=False) + 1e-8).sqrt().mean() if len(h) > 1 else h.new_zeros(())
            h = torch.cat([h, std.expand(h.shape[0], 1, *h.shape[2:])], 1)
        return self.head(h).flatten(1).mean(1)
