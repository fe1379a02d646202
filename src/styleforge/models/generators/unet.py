"""U-Net generator (pix2pix, Isola et al. 2017): encoder-decoder with skip connections at every scale."""
from __future__ import annotations

import torch
from torch import nn

from ...nn import collect_features, init_weights, norm_layer
from ..registry import GENERATORS


@GENERATORS.register("unet")
class UnetGenerator(nn.Module):
    """images (N, C, H, W) in [-1, 1] -> same shape in [-1, 1]; H, W multiples of 2**depth.

    Encoder: `depth` 4x4 stride-2 convs (channels b, 2b, 4b, 8b, 8b, ...), LeakyReLU(0.2), norm on all
    but the first and the innermost. Decoder: 4x4 stride-2 transposed convs, ReLU, concatenating the
    mirrored encoder output before each; dropout 0.5 on the three deepest decoder stages if `dropout`.
    depth 8 and b=64 with batch norm is the reference `unet_256`.
    """

    def __init__(self, channels: int = 3, base_channels: int = 64, depth: int = 6, norm: str = "instance",
                 dropout: bool = False):
        super().__init__()
        if depth < 2:
            raise ValueError(f"U-Net depth must be >= 2, got {depth}")
        self.size_multiple = 2 ** depth
        widths = [base_channels * min(2 ** i, 8) for i in range(depth)]
        bias = norm != "batch"
        self.layers = nn.ModuleList()  # encoder stages, outermost first
        cin = channels
        for i, w in enumerate(widths):
            stage: list[nn.Module] = [] if i == 0 else [nn.LeakyReLU(0.2, True)]
            stage.append(nn.Conv2d(cin, w, 4, 2, 1, bias=bias))
            if 0 < i < depth - 1:
                stage.append(norm_layer(norm, w))
            self.layers.append(nn.Sequential(*stage))
            cin = w
        self.decoder = nn.ModuleList()  # innermost first
        for i in reversed(range(depth)):
            w_in = widths[i] if i == depth - 1 else widths[i] * 2
            w_out = channels if i == 0 else widths[i - 1]
            stage = [nn.ReLU(True), nn.ConvTranspose2d(w_in, w_out, 4, 2, 1, bias=bias if i else True)]
            if i == 0:
                stage.append(nn.Tanh())
            else:
                stage.append(norm_layer(norm, w_out))
                if dropout and i >= depth - 3:
                    stage.append(nn.Dropout(0.5))
            self.decoder.append(nn.Sequential(*stage))
        init_weights(self)

    @property
    def nce_layers(self) -> list[int]:
        return list(range(min(4, len(self.layers))))

    def features(self, x: torch.Tensor, ids) -> list[torch.Tensor]:
        """Outputs of encoder stages `ids` (0 = outermost, (N, b, H/2, W/2))."""
        return collect_features(self.layers, x, ids)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = []
        for stage in self.layers:
            x = stage(x)
            skips.append(x)
        skips.pop()
        for stage in self.decoder:
            x = stage(x)
            if skips:
                x = torch.cat([x, skips.pop()], 1)
        return x
