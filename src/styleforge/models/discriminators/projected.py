"""A Projected GAN discriminator (Sauer et al. 2021): small discriminators on the multi-scale features
of a frozen pretrained network instead of on pixels.

images (N, 3, H, W) in [-1, 1] -> frozen EfficientNet-Lite0 taps (stage2, stage3, stage5, stage7: 1/4 ...
1/32 of the input) -> random, fixed cross-channel mixing (CCM: a 1x1 convolution per scale) and cross-
scale mixing (CSM: each scale adds the upsampled, 3x3-convolved mix of the scale below, top-down as in a
feature pyramid) -> one trainable patch discriminator per scale -> every scale's patch logits, flattened
and concatenated (N, P). Mixing spreads what the pretrained features know over all channels and scales,
so the discriminators cannot latch onto a few of them. The frozen network is shared, held by reference
(not a submodule: no parameters, not in the state dict) and moved with the module.

With `pixel_width` > 0 a small spectrally normalised PatchGAN on the pixels themselves (`pixel_layers`
stride-2 convs: 34x34 px patches with 2) adds its patch logits, average-pooled to at most 8x8 so that they
weigh about as much as one feature scale: the pretrained features are built to ignore what a painter's
surface is made of at the pixel level (the palette, the grain, speckle), and that branch sees it.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import spectral_norm

from ..features.base import FrozenFeaturesRef
from ..registry import DISCRIMINATORS
from .patchgan import PatchGANDiscriminator

LITE0_TAPS = {"stage2": 24, "stage3": 40, "stage5": 112, "stage7": 320}


class ScaleDiscriminator(nn.Module):
    """features (N, C, h, w) -> patch logits (N, 1, h', w'): `depth` spectrally normalised 3x3 convs
    (stride 2 while the map is larger than 8x8) with LeakyReLU, then a 1x1 conv."""

    def __init__(self, channels: int, width: int, depth: int = 2):
        super().__init__()
        self.body = nn.ModuleList()
        cin = channels
        for _ in range(depth):
            self.body.append(spectral_norm(nn.Conv2d(cin, width, 3, 1, 1)))
            cin = width
        self.head = spectral_norm(nn.Conv2d(cin, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for conv in self.body:
            stride = 2 if min(x.shape[-2:]) > 8 else 1
            x = F.leaky_relu(conv(x if stride == 1 else F.avg_pool2d(x, 2)), 0.2)
        return self.head(x)


@DISCRIMINATORS.register("projected")
class ProjectedDiscriminator(FrozenFeaturesRef):
    def __init__(self, channels: int = 3, width: int = 64, mix_channels: int = 64, depth: int = 2, seed: int = 0,
                 network: str = "efficientnet_lite0", pixel_width: int = 0, pixel_layers: int = 2):
        if channels != 3:
            raise ValueError("the projected discriminator reads RGB images (channels=3)")
        if network != "efficientnet_lite0":
            raise ValueError("the projected discriminator supports network='efficientnet_lite0'")
        super().__init__(network)
        self.taps = list(LITE0_TAPS)
        g = torch.Generator().manual_seed(seed)
        mixed = [mix_channels * 2 ** i for i in range(len(self.taps))]
        # fixed random mixing weights: buffers, so that checkpoints carry them and nothing trains them
        for i, (tap, c) in enumerate(LITE0_TAPS.items()):
            self.register_buffer(f"ccm{i}", torch.randn(mixed[i], c, 1, 1, generator=g) * (1.0 / c) ** 0.5)
            if i + 1 < len(self.taps):
                self.register_buffer(f"csm{i}", torch.randn(mixed[i], mixed[i + 1], 3, 3, generator=g)
                                     * (1.0 / (9 * mixed[i + 1])) ** 0.5)
        self.heads = nn.ModuleList(ScaleDiscriminator(c, width * min(2 ** i, 4), depth) for i, c in enumerate(mixed))
        self.pixel = (PatchGANDiscriminator(channels, pixel_width, pixel_layers, norm="none", spectral_norm=True)
                      if pixel_width > 0 else None)

    def project(self, x: torch.Tensor) -> list[torch.Tensor]:
        """images -> the mixed feature maps, finest first (the frozen network runs in float32: its
        depthwise convolutions are slower in bf16 on CPUs)."""
        with torch.autocast(x.device.type, enabled=False):
            feats = self.backbone(x.float(), self.taps)
        mixed = [F.conv2d(feats[t], getattr(self, f"ccm{i}")) for i, t in enumerate(self.taps)]
        out = [mixed[-1]]
        for i in range(len(mixed) - 2, -1, -1):  # top-down: add the coarser mix, upsampled
            up = F.interpolate(out[0], size=mixed[i].shape[-2:], mode="bilinear", align_corners=False)
            out.insert(0, mixed[i] + F.conv2d(up, getattr(self, f"csm{i}"), padding=1))
        return out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (N, 3, H, W) in [-1, 1], H and W >= 32 -> patch logits of every scale (N, P)."""
        logits = [head(f).flatten(1) for head, f in zip(self.heads, self.project(x))]
        if self.pixel is not None:
            pixel = self.pixel(x)
            logits.append(F.adaptive_avg_pool2d(pixel, [min(8, s) for s in pixel.shape[-2:]]).flatten(1))
        return torch.cat(logits, 1)
