"""Held-out evaluation during training: quality moves in the log, not only losses.

The held-out sides of the content and style sets (data.holdout_fraction, the documented SHA-1 split)
are loaded once; every train.eval_every steps the export generator stylises the first
train.eval_count held-out photos and the trainer logs eval_swd (to held-out style images),
eval_color (colour-statistics distance) and eval_ssim (content kept) to log.jsonl and TensorBoard.
"""
from __future__ import annotations

import torch

from ..config import Config
from ..data import open_source
from ..data.transforms import Preprocess
from ..errors import ConfigError
from ..metrics.image_quality import ssim
from ..metrics.structure import color_distance
from ..metrics.swd import swd


class HeldOutEvaluator:
    def __init__(self, config: Config):
        d, n = config.data, config.train.eval_count
        if d.holdout_fraction <= 0:
            raise ConfigError("train.eval_every needs held-out images: set data.holdout_fraction > 0")
        common = dict(load_size=d.image_size, limit=n, holdout_fraction=d.holdout_fraction, holdout=True,
                      max_pixels=d.max_pixels, background=d.background)
        prep = Preprocess(d.image_size, crop="center")
        sets = {}
        for key, (source, path) in {"photos": (d.content, d.content_path), "style": (d.source, d.path)}.items():
            images = open_source(source, path, **common).images
            if len(images) < 2:
                raise ConfigError(f"train.eval_every: fewer than 2 held-out images in '{source}'; "
                                  f"raise data.holdout_fraction")
            sets[key] = prep(images, torch.Generator().manual_seed(0))
        self.photos, self.style = sets["photos"], sets["style"]

    @torch.no_grad()
    def __call__(self, generator: torch.nn.Module, device: torch.device) -> dict[str, float]:
        was = generator.training
        generator.eval()
        out = torch.cat([generator(x.to(device)).cpu() for x in self.photos.split(16)])
        generator.train(was)
        n = min(len(out), len(self.style))
        return {"eval_swd": swd(out[:n], self.style[:n], patches_per_image=64)["swd"],
                "eval_color": color_distance(out, self.style), "eval_ssim": ssim(out, self.photos).mean().item()}
