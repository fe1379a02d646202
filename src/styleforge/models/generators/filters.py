"""A white-box generator: a fixed chain of classic photo filters whose few settings are learned.

In the spirit of Exposure (Hu et al. 2018) and white-box cartoonisation (Wang & Yu 2020): a style made of
smoothing, a colour grade, posterisation and ink outlines is learned as about a hundred numbers instead of
a CNN's weights. A discriminator cannot steer such a generator into adversarial per-pixel noise, only
along the filters' settings, so unpaired training is steady on filter-like styles; painterly strokes, which
no filter in the chain makes, are out of its reach (use the `light` generator for those).

Chain, on images in [0, 1] (every stage starts at, or within 1% of, the identity):
  smooth:    v = x + sum_i a_i (f_i(x) - x)   f_i: box means (r = 1, 2), Kuwahara (r = 1, 2, 3); a_i < 0 sharpens
  colour:    v = M v + c                      (3x3 matrix M = I, offset c = 0 at the start)
  tone:      v_k = v_k + curve_k(v_k) + tint_k(luma(v))   piecewise-linear offsets on `knots` knots
  posterise: v = v + sum_L w_L (round_L(v) - v)           L = 2..max_levels levels, straight-through rounding
  ink:       v = v (1 - s * sigmoid((|sobel(luma(x))| - t) / w))   dark outlines on strong input edges
"""
from __future__ import annotations

import math
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from ...nn import box_blur, luma, sobel_magnitude
from ..registry import GENERATORS

START = -5.0  # softplus(-5) = 0.0067: the non-negative amounts start all but off
OFF = -30.0  # softplus(-30) ~ 1e-13: a stage switched off by the structural search
SKIP = 1e-6  # without gradients, a stage whose amount is below this is not computed (it moves no pixel by 1/255)


def _theta(amount: float) -> float:
    """The softplus pre-image of an amount >= 0 (OFF for 0)."""
    return math.log(math.expm1(amount)) if amount > 0 else OFF


def clamp01(v: torch.Tensor) -> torch.Tensor:
    """v.clamp(0, 1), written with ReLUs: torch 2.13's ONNX exporter drops the bounds of some Clip nodes."""
    return 1 - torch.relu(1 - torch.relu(v))


def _integral(x: torch.Tensor, pad: int) -> torch.Tensor:
    """(N, C, H, W) -> (N, C, H + 2 pad + 1, W + 2 pad + 1): sums over the replicate-padded image's
    top-left rectangles, in float64 so that window means of large images stay exact to ~1e-12."""
    s = F.pad(x, (pad,) * 4, mode="replicate").double().cumsum(2).cumsum(3)
    return F.pad(s, (1, 0, 1, 0))


def _window_mean(s: torch.Tensor, top: int, left: int, k: int, h: int, w: int) -> torch.Tensor:
    """Means of the k x k windows whose top-left corners are (top + i, left + j), i < h, j < w."""
    total = (s[..., top + k:top + k + h, left + k:left + k + w] - s[..., top:top + h, left + k:left + k + w]
             - s[..., top + k:top + k + h, left:left + w] + s[..., top:top + h, left:left + w])
    return total / (k * k)


def kuwahara(v: torch.Tensor, radius: int) -> torch.Tensor:
    """(N, 3, H, W) -> same shape: each pixel takes the mean colour of the one of its four
    (radius + 1)² quadrant windows whose luminance varies least (Kuwahara et al. 1976; the first
    quadrant wins ties). Window sums come from integral images: four look-ups a window."""
    g = luma(v)
    k, (h, w) = radius + 1, v.shape[-2:]
    sv, sg, sg2 = _integral(v, radius), _integral(g, radius), _integral(g * g, radius)
    best = best_var = None
    for dy in (0, radius):
        for dx in (0, radius):
            mg = _window_mean(sg, dy, dx, k, h, w)
            var = _window_mean(sg2, dy, dx, k, h, w) - mg * mg
            mean = _window_mean(sv, dy, dx, k, h, w)
            if best is None:
                best, best_var = mean, var
            else:
                take = var < best_var
                best, best_var = torch.where(take, mean, best), torch.where(take, var, best_var)
    return best.to(v.dtype)


def piecewise_linear(u: torch.Tensor, values: torch.Tensor) -> torch.Tensor:
    """u (N, 1, H, W), values (K,) at knots 0, 1/(K-1), ..., 1 -> the linear interpolation (N, 1, H, W),
    constant beyond [0, 1]. A sum of hat functions: no indexing, so the backward pass is elementwise."""
    t = clamp01(u) * (values.numel() - 1)
    knots = torch.arange(values.numel(), dtype=u.dtype, device=u.device).view(1, -1, 1, 1)
    hats = torch.relu(1 - (t - knots).abs())  # (N, K, H, W)
    return torch.einsum("nkhw,k->nhw", hats, values).unsqueeze(1)


def piecewise_linear_lookup(u: torch.Tensor, values: torch.Tensor) -> torch.Tensor:
    """piecewise_linear by looking up the two knots around each value (the same numbers to float rounding,
    without the (N, K, H, W) hats): the inference path."""
    t = clamp01(u) * (values.numel() - 1)
    i = t.floor().clamp(max=values.numel() - 2)
    frac, i = t - i, i.long()
    return values[i] + frac * (values[i + 1] - values[i])


def round_straight_through(t: torch.Tensor) -> torch.Tensor:
    """round(t) forward, identity gradient backward."""
    return t + (torch.round(t) - t).detach()


def _smoothing_filters() -> list[tuple[str, callable]]:
    return [("box1", lambda v: box_blur(v, 1)), ("box2", lambda v: box_blur(v, 2)),
            ("kuwahara1", lambda v: kuwahara(v, 1)), ("kuwahara2", lambda v: kuwahara(v, 2)),
            ("kuwahara3", lambda v: kuwahara(v, 3))]


@GENERATORS.register("filters")
class FilterGenerator(nn.Module):
    """images (N, 3, H, W) in [-1, 1] -> same shape in [-1, 1]; any H, W. Receptive field 7x7.

    `knots` sets the tone curves' resolution, `max_levels` the coarsest posterisation tried (2..max_levels
    levels). About 80 parameters with the defaults; no normalisation, so tiles equal one pass.
    """

    size_multiple = 1
    #: Kuwahara's argmin and posterisation's rounding are discontinuous: a float difference of 1e-7 at a
    #: near-tie moves a pixel to another quadrant or level, so another runtime (ONNX) may differ there
    onnx_mismatch_share = 1e-3

    def __init__(self, channels: int = 3, knots: int = 9, max_levels: int = 8):
        super().__init__()
        if channels != 3:
            raise ValueError("the filters generator works on RGB images (channels=3)")
        if knots < 2 or max_levels < 2:
            raise ValueError("filters generator: knots and max_levels must be at least 2")
        self.smoothing_names = [name for name, _ in _smoothing_filters()]
        # amounts that must stay >= 0 (smoothing, posterisation, ink) are softplus(theta), theta = START
        self.smoothing = nn.Parameter(torch.full((len(self.smoothing_names),), START))
        self.matrix = nn.Parameter(torch.eye(3))
        self.offset = nn.Parameter(torch.zeros(3))
        self.curves = nn.Parameter(torch.zeros(3, knots))
        self.tints = nn.Parameter(torch.zeros(3, knots))
        self.levels = list(range(2, max_levels + 1))
        self.posterise = nn.Parameter(torch.full((len(self.levels),), START))
        # ink: strength s, threshold t and softness w = exp(log_width) on the Sobel magnitude
        self.ink_strength = nn.Parameter(torch.tensor(START))
        self.ink_threshold = nn.Parameter(torch.tensor(0.5))
        self.ink_log_width = nn.Parameter(torch.tensor(-2.0))

    def prepare(self, x: torch.Tensor, active_only: bool = False) -> dict[str, torch.Tensor]:
        """What the chain computes from the input alone: the input in [0, 1], each smoothing filter's change
        (F, N, 3, H, W) and the Sobel magnitude of its luminance (N, 1, H, W). A search that tries many
        settings on the same images prepares them once, for every setting; `active_only` computes only the
        filters (and the edges) the current settings use above SKIP."""
        x01 = clamp01((x + 1) / 2)
        filters = list(enumerate(_smoothing_filters()))
        if active_only:
            amounts = F.softplus(self.smoothing)
            filters = [(i, f) for i, f in filters if amounts[i] >= SKIP]
        with torch.set_grad_enabled(x.requires_grad and torch.is_grad_enabled()):
            changes = torch.stack([f(x01) - x01 for _, (_, f) in filters]) if filters else None
            edges = None if active_only and F.softplus(self.ink_strength) < SKIP else sobel_magnitude(luma(x01), eps=1e-12)
            return {"x01": x01, "changes": changes, "which": [i for i, _ in filters], "edges": edges}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Without gradients (stylising, export) only the stages in use are computed, with the tone curves
        looked up: 256² in a fraction of the full chain's time, the same output to float rounding."""
        fast = not (torch.is_grad_enabled() and (x.requires_grad or any(p.requires_grad for p in self.parameters())))
        return self.render(self.prepare(x, active_only=fast), fast=fast)

    def render(self, prepared: dict[str, torch.Tensor], fast: bool = False) -> torch.Tensor:
        """prepare(x) -> the output (N, 3, H, W) in [-1, 1]; `fast`: skip the stages below SKIP and look the
        tone curves up (no gradients needed)."""
        v = prepared["x01"]
        if prepared["changes"] is not None:
            amounts = F.softplus(self.smoothing)[prepared["which"]].view(-1, 1, 1, 1, 1)
            v = v + (amounts * prepared["changes"]).sum(0)
        v = torch.einsum("ij,njhw->nihw", self.matrix, v) + self.offset.view(1, 3, 1, 1)
        y = luma(v)
        curve = piecewise_linear_lookup if fast else piecewise_linear
        v = torch.cat([v[:, k:k + 1] + curve(v[:, k:k + 1], self.curves[k]) + curve(y, self.tints[k])
                       for k in range(3)], 1)
        poster = v
        for w, levels in zip(F.softplus(self.posterise), self.levels):
            if not (fast and w < SKIP):
                poster = poster + w * (round_straight_through(clamp01(v) * (levels - 1)) / (levels - 1) - v)
        ink = F.softplus(self.ink_strength)
        if prepared["edges"] is None:
            return clamp01(poster) * 2 - 1
        edges = torch.sigmoid((prepared["edges"] - self.ink_threshold) / self.ink_log_width.exp())
        return clamp01(poster * (1 - ink * edges)) * 2 - 1

    def colour_parameters(self) -> list[nn.Parameter]:
        """The continuous colour stages (matrix, offset, tone curves, tints): what gradient descent fits well."""
        return [self.matrix, self.offset, self.curves, self.tints]

    @torch.no_grad()
    def switch_off(self) -> None:
        """Every smoothing, posterisation and ink amount to exactly 0 (the colour stages are kept)."""
        for p in (self.smoothing, self.posterise, self.ink_strength):
            p.fill_(OFF)

    def search_moves(self) -> list[tuple[str, Callable[["FilterGenerator"], None]]]:
        """Discrete changes for a structural search, each (name, function that applies it to a generator
        of this shape): one smoothing filter at amount 0, 0.5 or 1; one posterisation level count (or
        none), alone or after a 3x3 box blur; ink at one of four thresholds (or off)."""
        def smooth(i, t):
            return lambda g: g.smoothing.data.__setitem__(i, _theta(t))

        def posterise(i):
            return lambda g: (g.posterise.data.fill_(OFF), i is not None and g.posterise.data.__setitem__(i, _theta(1.0)))

        def ink(threshold):
            def apply(g):
                g.ink_strength.data.fill_(_theta(1.0) if threshold else OFF)
                if threshold:
                    g.ink_threshold.data.fill_(threshold)
                    g.ink_log_width.data.fill_(math.log(0.05))
            return apply

        moves = [(f"{name}={t}", smooth(i, t)) for i, name in enumerate(self.smoothing_names) for t in (0.0, 0.5, 1.0)]
        moves += [(f"posterise={L}", posterise(i)) for i, L in enumerate(self.levels)] + [("posterise=off", posterise(None))]
        # posterising after a 3x3 blur (as cartoon filters do, against speckle): one move, because the blur
        # alone makes a posterised style's statistics worse and a greedy search would never take it first
        box1 = self.smoothing_names.index("box1")
        moves += [(f"posterise={L}+box1", lambda g, i=i: (posterise(i)(g), smooth(box1, 1.0)(g)))
                  for i, L in enumerate(self.levels)]
        moves += [(f"ink={t}", ink(t)) for t in (0.25, 0.5, 1.0, 2.0)] + [("ink=off", ink(None))]
        return moves

    @torch.no_grad()
    def describe(self, at_least: float = 0.05) -> str:
        """What the chain does, in words: the stages whose amount is at least `at_least`, e.g.
        'Kuwahara r2 x0.50 + posterise 4 levels + ink outlines (strength 1.00, edge threshold 0.50) + colour grade'."""
        names = {"box1": "3x3 box blur", "box2": "5x5 box blur"}
        stages = [f"{names.get(n, 'Kuwahara r' + n[-1])} x{a:.2f}"
                  for n, a in zip(self.smoothing_names, F.softplus(self.smoothing).tolist()) if a >= at_least]
        stages += [f"posterise {L} levels" + ("" if abs(w - 1) < 0.05 else f" x{w:.2f}")
                   for L, w in zip(self.levels, F.softplus(self.posterise).tolist()) if w >= at_least]
        ink = F.softplus(self.ink_strength).item()
        if ink >= at_least:
            stages.append(f"ink outlines (strength {ink:.2f}, edge threshold {self.ink_threshold.item():.2f})")
        grade = {"matrix": (self.matrix - torch.eye(3)).abs().max().item(), "offset": self.offset.abs().max().item(),
                 "tone curves": self.curves.abs().max().item(), "tints": self.tints.abs().max().item()}
        changed = [f"{k} up to {v:.2f}" for k, v in grade.items() if v >= 0.01]
        if changed:
            stages.append(f"colour grade ({', '.join(changed)})")
        return " + ".join(stages) or "nothing beyond the identity"
