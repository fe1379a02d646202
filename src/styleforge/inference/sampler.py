"""Sampling from an exported noise-to-image generator (DCGAN, GAN)."""
from __future__ import annotations

import os

import torch

from ..errors import ModelFileError
from ..models import load_pretrained
from ..models.pretrained import resolve_model_dir


class NoiseSampler:
    """Draws images (N, C, H, W) in [-1, 1] from an exported noise-to-image generator."""

    def __init__(self, generator: torch.nn.Module, latent_dim: int, device: str | torch.device = "cpu"):
        self.generator, self.latent_dim, self.device = generator, latent_dim, torch.device(device)

    @classmethod
    def from_pretrained(cls, path: str | os.PathLike, device: str = "cpu") -> "NoiseSampler":
        module, config = load_pretrained(resolve_model_dir(path), device=device)
        meta = config.get("metadata", {})
        if meta.get("task") != "noise":
            raise ModelFileError(f"{path}: this model maps {meta.get('task', 'unknown inputs')} to images, not noise; "
                                 "use `styleforge stylize` for image models")
        return cls(module, int(meta["latent_dim"]), device)

    @torch.no_grad()
    def sample(self, n: int, seed: int = 0, batch_size: int = 256) -> torch.Tensor:
        g = torch.Generator().manual_seed(seed)
        z = torch.randn(n, self.latent_dim, generator=g)
        out = [self.generator(chunk.to(self.device)).cpu() for chunk in z.split(batch_size)]
        return torch.cat(out)
