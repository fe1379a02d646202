"""Per-image optimisation (Gatys et al. 2016): the slow, best-single-image way to paint a photo.

No network is trained: the pixels themselves are optimised (L-BFGS) so that the image keeps the
photo's VGG-16 content features and takes the style set's VGG-16 feature statistics:

    L(x) = w_c |F_c(x) - F_c(photo)|^2 / |F_c(photo)|^2
         + sum_l |G_l(x) - T_l|_F^2 / |T_l|_F^2  +  w_tv TV(x)

F_c: the content tap (relu4_2); G_l: Gram matrices at the style taps (relu1_1 ... relu4_1, each scale-
free: divided by the target's norm); T_l: the style set's mean Gram (`style_grams`); TV: mean absolute
difference of neighbouring pixels, which keeps the high-frequency noise Gram matching leaves out.
With `content=None` it synthesises a texture from noise. Minutes per image on a CPU: the quality
reference of the benchmarks, and `styleforge stylize --optimize` for a user who can wait.
"""
from __future__ import annotations

from typing import Callable

import torch

from ..losses.perceptual import gram_matrix
from ..losses.reconstruction import total_variation

STYLE_TAPS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1")
CONTENT_TAP = "relu4_2"


def _network(name: str):
    from ..models.features import shared_features

    return shared_features(name)


@torch.no_grad()
def style_grams(images: torch.Tensor, network: str = "vgg16", taps=STYLE_TAPS, batch_size: int = 8) -> dict[str, torch.Tensor]:
    """Style images (M, 3, H, W) in [-1, 1] -> {tap: (C, C)} Gram matrices averaged over the set."""
    net = _network(network)
    total: dict[str, torch.Tensor] = {}
    for chunk in images.split(batch_size):
        for tap, f in net(chunk, taps).items():
            total[tap] = total.get(tap, 0) + gram_matrix(f).sum(0)
    return {tap: g / len(images) for tap, g in total.items()}


def optimize_images(content: torch.Tensor | None, grams: dict[str, torch.Tensor], *, shape=None,
                    content_weight: float = 1.0, tv_weight: float = 0.02, steps: int = 200, network: str = "vgg16",
                    seed: int = 0, callback: Callable[[int, float], None] | None = None) -> torch.Tensor:
    """content (N, 3, H, W) in [-1, 1] (or None and `shape` (N, 3, H, W) for a texture from noise), the
    style set's `grams` -> the optimised images, same shape, in [-1, 1]. `steps` L-BFGS iterations (its line
    search evaluates the loss up to 1.25x as often; `callback(evaluation, loss)` sees every evaluation)."""
    net = _network(network)
    taps = list(grams)
    if content is None:
        g = torch.Generator().manual_seed(seed)
        x = (torch.rand(shape, generator=g) * 2 - 1) * 0.3
        content_target = None
    else:
        x = content.detach().clone(memory_format=torch.contiguous_format)
        with torch.no_grad():
            content_target = net(content, [CONTENT_TAP])[CONTENT_TAP]
        content_norm = content_target.pow(2).mean().clamp_min(1e-12)
        taps = sorted(set(taps) | {CONTENT_TAP}, key=net.taps.index)
    x.requires_grad_(True)
    norms = {t: grams[t].pow(2).sum().clamp_min(1e-12) for t in grams}
    evaluations = [0]

    def loss_fn() -> torch.Tensor:
        f = net(x, taps)
        loss = sum((gram_matrix(f[t]) - grams[t]).pow(2).sum((1, 2)).mean() / norms[t] for t in grams)
        if content_target is not None:
            loss = loss + content_weight * (f[CONTENT_TAP] - content_target).pow(2).mean() / content_norm
        return loss + tv_weight * total_variation(x)

    optimizer = torch.optim.LBFGS([x], lr=1, max_iter=steps, history_size=20, line_search_fn="strong_wolfe")

    def closure():
        optimizer.zero_grad()
        loss = loss_fn()
        loss.backward()
        evaluations[0] += 1
        if callback is not None:
            callback(evaluations[0], loss.item())
        return loss

    optimizer.step(closure)
    return x.detach().clamp(-1, 1)
