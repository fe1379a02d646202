"""Held-out evaluation during training: quality moves in the log, not only losses.

The held-out sides of the content and style sets (data.holdout_fraction, the documented SHA-1 split)
are loaded once; every train.eval_every steps the export generator stylises the first
train.eval_count held-out photos and the trainer logs each metric of train.eval_metrics (registered
in metrics.registry; default swd, color, ssim) as eval_<key> to log.jsonl and TensorBoard.
"""
from __future__ import annotations

import torch

from ..config import Config
from ..data import open_source
from ..data.transforms import Preprocess
from ..errors import ConfigError
from ..metrics import METRICS
from ..metrics.evaluate import compute_metrics
from ..specs import parse_names


class HeldOutEvaluator:
    def __init__(self, config: Config):
        d, n = config.data, config.train.eval_count
        if d.holdout_fraction <= 0:
            raise ConfigError("train.eval_every needs held-out images: set data.holdout_fraction > 0")
        common = dict(load_size=d.image_size, limit=n, holdout_fraction=d.holdout_fraction, holdout=True,
                      max_pixels=d.max_pixels, background=d.background)
        prep = Preprocess(d.image_size, crop="center")
        sets = {}
        for key, (source, path) in {"photos": (d.content, d.content_path), "style": (d.style, d.style_path)}.items():
            images = open_source(source, path, **common).images
            if len(images) < 2:
                raise ConfigError(f"train.eval_every: fewer than 2 held-out images in '{source}'; "
                                  f"raise data.holdout_fraction")
            sets[key] = prep(images, torch.Generator().manual_seed(0))
        self.photos, self.style = sets["photos"], sets["style"]
        self.metrics = tuple(metric_names(config.train.eval_metrics))

    @torch.no_grad()
    def __call__(self, generator: torch.nn.Module, device: torch.device) -> dict[str, float]:
        was = generator.training
        generator.eval()
        out = torch.cat([generator(x.to(device)).cpu() for x in self.photos.split(16)])
        generator.train(was)
        return {f"eval_{k}": v for k, v in compute_metrics(self.photos, out, self.style, self.metrics).items()}


def metric_names(text: str) -> list[str]:
    """'swd,color' -> ['swd', 'color'], each a registered metric (else a ConfigError listing them)."""
    names = parse_names(text)
    unknown = [n for n in names if n not in METRICS]
    if unknown or not names:
        raise ConfigError(f"config key 'train.eval_metrics': unknown metric {', '.join(unknown) or '(none)'}; "
                          f"valid: {', '.join(METRICS.names())}")
    return names
