"""A pool of past generated images (Shrivastava et al. 2017), as in CycleGAN: the discriminator sees a
mix of current and older fakes, which damps oscillation."""
from __future__ import annotations

import torch


class ImagePool:
    def __init__(self, size: int):
        self.size, self.images = size, []

    def query(self, batch: torch.Tensor) -> torch.Tensor:
        """batch (N, C, H, W), detached -> (N, C, H, W): each image kept, or swapped for a stored one (p=0.5)."""
        if self.size == 0:
            return batch
        out = []
        for image in batch.detach():
            if len(self.images) < self.size:
                self.images.append(image.clone())
                out.append(image)
            elif torch.rand(()).item() < 0.5:
                i = int(torch.randint(0, self.size, ()).item())
                out.append(self.images[i].clone())
                self.images[i] = image.clone()
            else:
                out.append(image)
        return torch.stack(out)

    def state(self) -> torch.Tensor:
        return torch.stack(self.images) if self.images else torch.empty(0)

    def load_state(self, images: torch.Tensor) -> None:
        self.images = [img.clone() for img in images]
