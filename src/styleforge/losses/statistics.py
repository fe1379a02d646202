"""Distribution matching of fixed filter responses: a critic with no weights to train.

A style is described by the 1-D distributions (quantile functions) of K fixed filter responses of its
images: colours, random colour directions, band-pass and gradient bands of the luminance, local
contrast, and random zero-mean 5x5 patch projections (a sliced Wasserstein distance over fixed slices,
in the spirit of Heeger & Bergen 1995 and Rabin et al. 2011). Matching two sets of images means matching
these quantile functions.

The loss compares *shifts*: a generator G is asked to move the quantiles of a batch x by as much as the
style's quantiles differ from the content photos' over the whole data set,
    L = mean_k,q ( [Q_k(G(x)) - Q_k(x)] - [Q̄_k(style) - Q̄_k(content)] )² / s_k²,
so that what one small batch of photos happens to look like cancels out (a control variate) and only
what the style changes remains.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..nn import box_blur, luma, sobel_magnitude
from ..nn.sorting import sort_values


class FilterResponses(nn.Module):
    """images (N, 3, H, W) in [-1, 1] -> responses (N, K, H - 2 trim, W - 2 trim); K = 12 + 2 * directions.

    `trim` drops a border where padding, not the image, decides the responses (and the generator's own
    padding differs from that of the full image a crop came from). The random parts are seeded: the same
    arguments give the same critic in every process and session.
    """

    def __init__(self, directions: int = 16, trim: int = 6, seed: int = 0):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        self.trim = trim
        self.register_buffer("colour_dirs", F.normalize(torch.randn(directions, 3, generator=g), dim=1))
        patches = torch.randn(directions, 3, 5, 5, generator=g)
        patches = patches - patches.mean((1, 2, 3), keepdim=True)
        self.register_buffer("patch_dirs", patches / patches.flatten(1).norm(dim=1).view(-1, 1, 1, 1))

    @property
    def channels(self) -> int:
        return 12 + self.colour_dirs.shape[0] + self.patch_dirs.shape[0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        v = (x + 1) / 2
        y = luma(v)
        blur1 = box_blur(y, 1)
        local_std = (box_blur(y * y, 1) - blur1 * blur1).clamp(min=0).add(1e-4).sqrt()
        responses = torch.cat([
            v, y, torch.einsum("kc,nchw->nkhw", self.colour_dirs, v),   # colour: 4 + directions
            y - blur1, y - box_blur(y, 2), blur1 - box_blur(y, 3),        # luminance bands: 3
            sobel_magnitude(y, eps=1e-8), local_std,                 # edges, local contrast: 2
            v - box_blur(v, 1),                                           # colour detail: 3
            F.conv2d(F.pad(v, (2,) * 4, mode="replicate"), self.patch_dirs),  # patch slices: directions
        ], 1)
        t = self.trim
        return responses[..., t:-t, t:-t] if t else responses


def sorted_samples(responses: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """responses (N, K, H, W), index (S,) into the N*H*W positions -> (K, S): each response's values at
    those positions, sorted (an empirical quantile function of S points)."""
    return sort_values(responses.transpose(0, 1).flatten(1)[:, index], 1)


def quantile_shift_loss(output_q: torch.Tensor, input_q: torch.Tensor, target_shift: torch.Tensor,
                        scale: torch.Tensor) -> torch.Tensor:
    """Mean squared mismatch (K, S) -> (): (output_q - input_q) - target_shift, response k divided by scale[k]."""
    return (((output_q - input_q) - target_shift) / scale[:, None]).pow(2).mean()
