"""What the unpaired image-to-image recipes (CycleGAN, CUT, FastCUT) share: domains, samples, export."""
from __future__ import annotations

import torch

from ..data.augment import diff_augment, parse_policy
from .base import Recipe


class TranslationRecipe(Recipe):
    """Content photos (domain A, batch key 'content') -> style images (domain B, batch key 'style')."""

    domains = ("style", "content")
    task = "image"
    export_network = "G"

    def __init__(self, config, channels: int):
        super().__init__(config, channels)
        self.augment_policy = parse_policy(config.data.diff_augment)

    def augment(self, x: torch.Tensor) -> torch.Tensor:
        """DiffAugment on a discriminator input (real or fake alike)."""
        return diff_augment(x, self.augment_policy) if self.augment_policy else x

    def sample_inputs(self, batch, n, generator):
        return batch["content"][:n]

    @torch.no_grad()
    def render_samples(self, inputs, networks):
        """Pairs [photo, stylised] interleaved: (2N, C, H, W)."""
        out = networks[self.export_network](inputs)
        return torch.stack([inputs, out], 1).flatten(0, 1)
