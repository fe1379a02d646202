"""Seeded preprocessing and augmentation: resize/scale, rotate, crop, flip.

Input: a list of uint8 HWC arrays (any sizes). Output: float NCHW in [-1, 1] of `image_size`.
Every random choice comes from the `torch.Generator` passed in, so a batch is reproducible.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from ..imageio import to_tensor


@dataclass
class Preprocess:
    image_size: int
    load_size: int = 0          # shorter side before cropping; 0 = image_size
    crop: str = "center"        # "center" or "random"
    flip: bool = False
    rotate_degrees: float = 0.0
    scale_min: float = 1.0
    scale_max: float = 1.0

    def _plain(self, images) -> bool:
        return (isinstance(images, np.ndarray) and images.shape[1] == images.shape[2] == self.image_size
                and not self.flip and self.rotate_degrees == 0 and self.scale_min == self.scale_max == 1.0
                and self.load_size in (0, self.image_size))

    def __call__(self, images, generator: torch.Generator) -> torch.Tensor:
        """images: uint8 NHWC array or list of HWC arrays -> float NCHW [-1, 1]."""
        if self._plain(images):
            return to_tensor(images)
        return torch.stack([self.one(img, generator) for img in images])

    def one(self, image: np.ndarray, generator: torch.Generator) -> torch.Tensor:
        """uint8 HWC -> float CHW [-1, 1] of size image_size."""
        x = to_tensor(image)
        u = torch.rand(5, generator=generator).tolist()
        scale = self.scale_min + (self.scale_max - self.scale_min) * u[0]
        target = max(self.image_size, round((self.load_size or self.image_size) * scale))
        x = resize_shorter(x, target)
        if self.rotate_degrees:
            x = rotate(x, (2 * u[1] - 1) * self.rotate_degrees)
        _, h, w = x.shape
        if self.crop == "random":
            top, left = int(u[2] * (h - self.image_size + 1)), int(u[3] * (w - self.image_size + 1))
        else:
            top, left = (h - self.image_size) // 2, (w - self.image_size) // 2
        x = x[:, top:top + self.image_size, left:left + self.image_size]
        if self.flip and u[4] < 0.5:
            x = x.flip(-1)
        return x.contiguous()


def resize_shorter(x: torch.Tensor, size: int) -> torch.Tensor:
    """CHW -> CHW whose shorter side is `size` (antialiased bilinear)."""
    _, h, w = x.shape
    if min(h, w) == size:
        return x
    scale = size / min(h, w)
    new = (max(size, round(h * scale)), max(size, round(w * scale)))
    return F.interpolate(x[None], size=new, mode="bilinear", align_corners=False, antialias=True)[0].clamp_(-1, 1)


def rotate(x: torch.Tensor, degrees: float) -> torch.Tensor:
    """Rotate CHW about its centre, reflecting at the borders so no black corners appear."""
    a = math.radians(degrees)
    theta = torch.tensor([[math.cos(a), -math.sin(a), 0.0], [math.sin(a), math.cos(a), 0.0]], dtype=x.dtype)
    grid = F.affine_grid(theta[None], [1, *x.shape], align_corners=False)
    return F.grid_sample(x[None], grid, mode="bilinear", padding_mode="reflection", align_corners=False)[0]
