"""Content and style losses on a frozen feature network, with the style set's statistics gathered once.

`FeatureStyleLoss` holds the frozen network by reference (models.features.base.FrozenFeaturesRef) and,
as buffers (so checkpoints carry them and a resumed run is exact), the statistics of the style images it
was shown by `gather`: per style tap the mean Gram matrix, the mean channel means and stds, and a
reservoir of feature vectors. Then, for a generator's output and its input photo:

- content: |F_c(out) - F_c(photo)|^2 / mean F_c(photo)^2 at `content_tap` (scale-free);
- style, one of
  - "gram": sum over taps of |G(out) - Ḡ|_F^2 / |Ḡ|_F^2 (Gatys; scale-free per tap),
  - "mean_std": per tap, |mu(out) - mu̅|^2 + |sigma(out) - sigma̅|^2, divided by |mu̅|^2 + |sigma̅|^2,
  - "swd": per tap, the sliced Wasserstein distance between the output's feature vectors and the
    reservoir along `directions` random directions, fresh each call, divided by the reservoir's variance.
The style statistics are of the whole style set, not of one batch: what a style looks like on average.

With `views` the same statistics are also kept of other views of the images (VIEWS), each matched on the
same view of the output: "colour" (`colour_view`: the chroma alone, luminance set to mid-grey, at half size)
and "coarse" (`coarse_view`: the image at half size, so that the same taps see strokes twice as large);
`forward` returns their style distances by name. VGG-16's features are dominated by light and shade: on 16
held-out photos the bundled Monet model's plain style distance at relu2_2/relu3_3 was 1.8x Monet's own
paintings', its colour-view distance 2.6x and 3.7x (docs/benchmarks.md, "Where the SWD gap is";
benchmarks/swd_levels.py --features): the painter's broken colour, strokes of different hue side by side,
weighs little in the plain statistics. Measured at weight 5
on Monet, 10 minutes, neither view made the recipe better (docs/benchmarks.md).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..models.features.base import FrozenFeaturesRef
from ..nn.color import rgb_to_ycc, ycc_to_rgb
from .perceptual import gram_matrix, mean_std, random_directions, resample_sorted, sorted_projections

STYLE_KINDS = ("gram", "mean_std", "swd")


def colour_view(x: torch.Tensor) -> torch.Tensor:
    """(N, 3, H, W) RGB in [-1, 1] -> (N, 3, H/2, W/2) RGB: the chroma alone (luma 0, mid-grey), at half size
    (colour texture lives at coarser scales than light and shade). Not clamped: gradients flow everywhere."""
    ycc = rgb_to_ycc(F.avg_pool2d(x.float(), 2))
    return ycc_to_rgb(torch.cat([torch.zeros_like(ycc[:, :1]), ycc[:, 1:]], 1))


def coarse_view(x: torch.Tensor) -> torch.Tensor:
    """(N, 3, H, W) -> (N, 3, H/2, W/2): the image at half size, its strokes at half their size in pixels, so
    the same taps see the structure of the next octave (what a whole painting shows at its middle scales)."""
    return F.avg_pool2d(x.float(), 2)


VIEWS = {"colour": colour_view, "coarse": coarse_view}  # name -> (N, 3, H, W) -> (N, 3, H', W'): extra style views


class FeatureStyleLoss(FrozenFeaturesRef):
    def __init__(self, style_taps=("relu1_2", "relu2_2", "relu3_3"), content_tap: str = "relu3_3",
                 kind: str = "gram", network: str = "vgg16", reservoir: int = 8192, directions: int = 64,
                 views: tuple[str, ...] = ()):
        super().__init__(network)
        if kind not in STYLE_KINDS:
            raise ValueError(f"unknown style loss '{kind}'; valid: {', '.join(STYLE_KINDS)}")
        self.style_taps, self.content_tap, self.kind = list(style_taps), content_tap, kind
        self.backbone.check_taps(self.style_taps + [content_tap])
        self.taps = sorted(set(self.style_taps) | {content_tap}, key=self.backbone.taps.index)
        self.reservoir_size, self.directions = reservoir, directions
        unknown = sorted(set(views) - set(VIEWS))
        if unknown:
            raise ValueError(f"unknown style view(s) {', '.join(unknown)}; valid: {', '.join(VIEWS)}")
        self.extra_views = [v for v in VIEWS if v in views]  # in VIEWS' order
        self.views = [""] + [v + "_" for v in self.extra_views]  # buffer-name prefixes: the images, then each view
        with torch.no_grad():
            channels = {t: f.shape[1] for t, f in self.backbone(torch.zeros(1, 3, 32, 32), self.style_taps).items()}
        for view in self.views:
            for tap, c in channels.items():
                for kind, shape in (("gram", (c, c)), ("mu", (c,)), ("sigma", (c,)), ("pool", (reservoir, c))):
                    self.register_buffer(f"{kind}_{view}{tap}", torch.zeros(shape))
        self.register_buffer("count", torch.zeros(()))  # style images gathered
        self.register_buffer("filled", torch.zeros((), dtype=torch.long))  # vectors written to each pool

    @property
    def ready(self) -> bool:
        return bool(self.count > 0)

    def _stat(self, kind: str, tap: str) -> torch.Tensor:
        return getattr(self, f"{kind}_{tap}")

    @torch.no_grad()
    def gather(self, style: torch.Tensor, vectors_per_image: int = 256, generator: torch.Generator | None = None) -> None:
        """Add style images (B, 3, H, W) in [-1, 1] to the running means, and `vectors_per_image` random
        feature vectors of each to the reservoirs (a ring: the newest replace the oldest once full)."""
        n = self.count + len(style)
        k = min(vectors_per_image * len(style), self.reservoir_size)
        slots = (self.filled + torch.arange(k, device=self.filled.device)) % self.reservoir_size
        for view in self.views:
            feats = self.backbone(VIEWS[view[:-1]](style) if view else style, self.style_taps)
            for tap, f in feats.items():
                f = f.float()
                mu, sigma = mean_std(f)
                for kind, total in (("gram", gram_matrix(f).sum(0)), ("mu", mu.sum(0)), ("sigma", sigma.sum(0))):
                    self._stat(kind, view + tap).mul_(self.count / n).add_(total / n)  # running mean over images
                vectors = f.permute(0, 2, 3, 1).reshape(-1, f.shape[1])
                pick = torch.randint(len(vectors), (k,), generator=generator).to(vectors.device)
                self._stat("pool", view + tap)[slots] = vectors[pick]
        self.count.fill_(n.item())
        self.filled += k

    def style_distance(self, f: torch.Tensor, tap: str, generator: torch.Generator | None = None) -> torch.Tensor:
        """One tap's scale-free style distance of features f (N, C, H, W) to the gathered statistics `tap`
        (a tap's name, or a view's name + '_' + a tap's name for that view's, e.g. 'colour_relu2_2')."""
        f = f.float()
        if self.kind == "gram":
            target = self._stat("gram", tap)
            return (gram_matrix(f) - target).pow(2).sum((1, 2)).mean() / target.pow(2).sum().clamp_min(1e-12)
        if self.kind == "mean_std":
            mu, sigma = mean_std(f)
            tm, ts = self._stat("mu", tap), self._stat("sigma", tap)
            return ((mu - tm).pow(2).sum(1) + (sigma - ts).pow(2).sum(1)).mean() / (tm.pow(2).sum() + ts.pow(2).sum())
        pool = self._stat("pool", tap)[: int(self.filled.clamp(max=self.reservoir_size))]
        dirs = random_directions(f.shape[1], self.directions, generator).to(f.device)
        mine = sorted_projections(f, dirs)
        target = resample_sorted(sorted_projections(pool, dirs), len(mine))
        return (mine - target).pow(2).mean() / target.var(0).mean().clamp_min(1e-12)

    def forward(self, output: torch.Tensor, photo: torch.Tensor,
                generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor, dict[str, torch.Tensor]]:
        """output, photo (N, 3, H, W) in [-1, 1] -> (content loss, style loss summed over the style taps,
        {view: that view's style loss likewise} for each of `views`)."""
        if not self.ready:
            raise RuntimeError("FeatureStyleLoss: gather() the style images first")
        with torch.no_grad():
            target = self.backbone(photo, [self.content_tap])[self.content_tap].float()
        feats = self.backbone(output, self.taps)
        content = (feats[self.content_tap].float() - target).pow(2).mean() / target.pow(2).mean().clamp_min(1e-12)
        style = sum(self.style_distance(feats[t], t, generator) for t in self.style_taps)
        extra = {}
        for view in self.extra_views:
            feats = self.backbone(VIEWS[view](output), self.style_taps)
            extra[view] = sum(self.style_distance(feats[t], f"{view}_{t}", generator) for t in self.style_taps)
        return content, style, extra
