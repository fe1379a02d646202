"""Fit a white-box filter chain (the `filters` generator) to a style by matching filter statistics.

No discriminator: the critic is fixed (losses.statistics). Training runs in three phases over the
trainer's ordinary steps, each batch cut into `filters.crops_per_image` random `filters.crop`-px crops:
1. gather (the first `filters.pool_batches` steps): the quantile functions of each batch of crops are
   summed per domain, giving the data sets' target shift Q̄(style) - Q̄(content), and each response is
   weighed by its sampling noise (how far the quantiles of two halves of the photos lie apart: colour
   statistics differ more from one set of photos to another than texture statistics do); the first `filters.search_batches` batches of content crops are kept;
2. search (in the last gathering step): greedy; each round scores every discrete move of the
   generator (a smoothing filter at amount 0 / 0.5 / 1, a posterisation level count, ink at a threshold)
   and a colour fit (a few Adam steps on the colour stages), and keeps the one that lowers the loss on
   the kept batches most, while it lowers it by 1% or more. Many filters are all-or-nothing (a
   half-Kuwahara image is not half as Kuwahara-like), so gradient descent from the identity does not
   find them; a search over a few dozen settings does. The search loss compares the shift averaged over
   the kept batches with the target: averaged per batch instead, the squared error also counts each
   batch's sampling noise, and favours maps whose shift varies little from batch to batch over the true
   one (on cartoon the operator itself scored worse than a wrong level count);
3. fine-tune (every later step): Adam on all settings with the same loss on fresh crops; every
   `filters.select_every` steps the search batches' loss is measured and the best generator so far is the
   one exported (G_best), so fine-tuning can only improve on the search.
"""
from __future__ import annotations

import copy
import math

import torch

from ..losses.statistics import FilterResponses, quantile_shift_loss, sorted_samples
from ..models import GENERATORS
from .base import RECIPES, Steps
from .translation import TranslationRecipe

MAX_ROUNDS = 8
MIN_GAIN = 0.01  # a search move must lower the loss by at least this fraction
COLOUR_FIT = "colour fit"  # the search's one continuous move: filters.colour_steps Adam steps on the colour stages
COLOUR_FIT_LR = 0.005


def photo_halves(images: torch.Tensor) -> torch.Tensor:
    """(N, C, H, W) -> (N,) 0 or 1: a split of the photos that is fixed per photo (it hashes the pixel
    sum, which flips keep), so that the two halves hold different photos rather than different draws."""
    sums = images.detach().double().sum((1, 2, 3))
    return (torch.round(sums * 1000).long() % 2).to(images.device)


@RECIPES.register("filters")
class FilterFitRecipe(TranslationRecipe):
    ema_networks = ()
    export_network = "G_best"

    def __init__(self, config, channels: int):
        super().__init__(config, channels)
        m = config.model
        g = GENERATORS.create(m.generator, channels=channels, **m.generator_args)
        if not hasattr(g, "search_moves"):
            raise ValueError(f"generator '{m.generator}' has no search moves (the filters recipe needs `filters`)")
        self.networks["G"] = g
        self.networks["G_best"] = copy.deepcopy(g)
        self.critic = FilterResponses()
        f = config.filters
        self.crop, self.per_image = f.crop, f.crops_per_image
        self.pool_batches, self.search_batches = f.pool_batches, min(f.search_batches, f.pool_batches)
        self.samples, self.select_every = f.samples, f.select_every
        self.colour_steps = f.colour_steps
        self.pool: list[torch.Tensor] = []  # the search batches: content crops (B, C, crop, crop)
        self.sums = self.counts = None  # running sums of quantile functions (3, K, S): style, content halves
        self.gathered = 0
        self._search_cache = None  # (prepared crops, sample positions, input quantiles) per search batch
        self.target_shift = self.scale = None  # (K, S), (K,) once gathered
        self.best_loss = torch.tensor(float("inf"))
        self.start_loss = torch.tensor(float("nan"))  # the search's loss before its first move
        self.tuned_steps = 0

    def optimizer_groups(self):
        return {"G": (list(self.networks["G"].parameters()), self.config.train.lr_generator)}

    # ------------------------------------------------------------------ statistics

    def crops(self, images: torch.Tensor) -> torch.Tensor:
        """(N, C, H, W) -> (N * per_image, C, crop, crop), random positions (the global torch RNG); crop
        i comes from image i // per_image."""
        c = min(self.crop, *images.shape[-2:])
        n, (h, w) = images.shape[0] * self.per_image, images.shape[-2:]
        ys, xs = torch.randint(h - c + 1, (n,)).tolist(), torch.randint(w - c + 1, (n,)).tolist()
        return torch.stack([images[i // self.per_image, :, y:y + c, x:x + c] for i, (y, x) in enumerate(zip(ys, xs))])

    def _index(self, crops: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        t = self.critic.trim
        positions = crops.shape[0] * (crops.shape[-2] - 2 * t) * (crops.shape[-1] - 2 * t)
        return torch.randint(positions, (self.samples,), generator=generator).to(crops.device)

    def _quantiles(self, crops: torch.Tensor) -> torch.Tensor:
        return sorted_samples(self.critic(crops), self._index(crops))

    @torch.no_grad()
    def gather(self, content: torch.Tensor, style: torch.Tensor, halves: torch.Tensor) -> None:
        """Add one batch of crops of each domain to the running sums of quantile functions: style, and
        content in two halves by `halves` (0/1 per content crop, fixed per photo); keep the first search
        batches of content crops."""
        if self.sums is None:
            self.sums = torch.zeros(3, self.critic.channels, self.samples, device=content.device)
            self.counts = torch.zeros(3, device=content.device)
        self.sums[0] += self._quantiles(style)
        self.counts[0] += 1
        for half in (0, 1):
            crops = content[halves == half]
            if len(crops):  # weighted by crop count, so the halves' means are per-crop averages
                self.sums[1 + half] += self._quantiles(crops) * len(crops)
                self.counts[1 + half] += len(crops)
        self.gathered += 1
        if len(self.pool) < self.search_batches:
            self.pool.append(content)
        if self.gathered == self.pool_batches:
            means = self.sums / self.counts.clamp(min=1).view(3, 1, 1)
            content_mean = self.sums[1:].sum(0) / self.counts[1:].sum()
            self.target_shift = means[0] - content_mean
            # each response weighed by its sampling noise: how far apart its quantiles lie in two disjoint
            # halves of the photos (colours differ more from one set of photos to another than textures)
            self.scale = (means[1] - means[2]).pow(2).mean(1).sqrt().clamp(min=1e-4)

    def match_loss(self, G, crops: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
        """The quantile-shift loss of G on one batch of content crops at the sample positions `index`."""
        with torch.no_grad():
            input_q = sorted_samples(self.critic(crops), index)
        return self._batch_loss(G(crops), index, input_q)

    def _batch_loss(self, output: torch.Tensor, index: torch.Tensor, input_q: torch.Tensor) -> torch.Tensor:
        """The quantile-shift loss of one batch's output (B, C, h, w), given its input's quantiles (K, S)."""
        return quantile_shift_loss(sorted_samples(self.critic(output), index), input_q, self.target_shift, self.scale)

    @torch.no_grad()
    def _search_batches(self, G) -> list:
        """Per kept search batch: (G.prepare(crops), sample positions fixed by a seed, the crops' quantiles);
        built on the first call (what does not depend on G's settings is computed once)."""
        if self._search_cache is None:
            g = torch.Generator().manual_seed(1)
            self._search_cache = []
            for crops in self.pool:
                index = self._index(crops, g)
                self._search_cache.append((G.prepare(crops), index, sorted_samples(self.critic(crops), index)))
        return self._search_cache

    @torch.no_grad()
    def search_loss(self, G) -> float:
        """The quantile-shift loss of the shift (K, S) averaged over the kept search batches (_search_batches)."""
        shifts = [sorted_samples(self.critic(G.render(prepared)), index) - input_q
                  for prepared, index, input_q in self._search_batches(G)]
        return quantile_shift_loss(torch.stack(shifts).mean(0), 0, self.target_shift, self.scale).item()

    def fit_colour(self, G, steps: int, step: Steps) -> float:
        """Adam on G's colour stages alone (step.fit), `steps` steps over the search batches in turn (the structure
        held); returns the search loss after. The search's one continuous move: scored against the
        structural ones, a colour change is not mistaken for a filter (a film grade desaturates, which
        lowers the colour detail as a blur does, and a search of structural moves alone took Kuwahara)."""
        batches = self._search_batches(G)

        def loss_of_step(i: int) -> torch.Tensor:
            prepared, index, input_q = batches[i % len(batches)]
            return self._batch_loss(G.render(prepared), index, input_q)

        step.fit(G.colour_parameters(), loss_of_step, steps, COLOUR_FIT_LR)
        return self.search_loss(G)

    # ------------------------------------------------------------------ phases

    @torch.no_grad()
    def search(self, step: Steps) -> list[str]:
        """Greedy search from the generator with every amount off: each round scores every structural move
        and a colour fit (`fit_colour` on a copy) and takes the best; returns the moves taken."""
        current = copy.deepcopy(self.networks["G"])
        current.switch_off()
        best, taken = self.search_loss(current), []
        self.start_loss = torch.tensor(best)  # the chain with every stage off: the photo itself
        for round_ in range(MAX_ROUNDS):
            self.announce(f"searching filters (round {round_ + 1}, {len(taken)} chosen)")
            trials = []
            for name, move in current.search_moves():
                trial = copy.deepcopy(current)
                move(trial)
                if not all(torch.equal(a, b) for a, b in zip(trial.parameters(), current.parameters())):
                    trials.append((self.search_loss(trial), name, trial))
            if self.colour_steps and (not taken or taken[-1] != COLOUR_FIT):
                trial = copy.deepcopy(current)
                trials.append((self.fit_colour(trial, self.colour_steps, step), COLOUR_FIT, trial))
            if not trials:
                break
            loss, name, trial = min(trials, key=lambda t: t[0])
            if loss > best * (1 - MIN_GAIN):
                break
            best, current = loss, trial
            taken.append(name)
        self.networks["G"].load_state_dict(current.state_dict())
        self.networks["G_best"].load_state_dict(current.state_dict())
        self.best_loss = torch.tensor(best)
        return taken

    def phase(self) -> str:
        return "gathering statistics" if self.target_shift is None else "fine-tuning"

    def training_step(self, batch, step):
        self.critic.to(batch["content"].device)
        a, b = self.crops(batch["content"]), self.crops(batch["style"])
        if self.target_shift is None:  # gathering
            self.gather(a, b, photo_halves(batch["content"]).repeat_interleave(self.per_image))
            if self.target_shift is None:
                return {"loss_match": 0.0, "gathered": float(self.gathered)}
            taken = self.search(step)
            self.announce("fine-tuning")
            return {"loss_match": self.best_loss.item(), "search_moves": float(len(taken))}
        G = self.networks["G"]
        loss = self.match_loss(G, a, self._index(a))
        step.update("G", loss)
        self.tuned_steps += 1
        if self.tuned_steps % self.select_every == 0:
            current = self.search_loss(G)
            if current < self.best_loss.item():
                self.best_loss = torch.tensor(current)
                self.networks["G_best"].load_state_dict(G.state_dict())
        return {"loss_match": loss.item(), "loss_best": self.best_loss.item()}

    def export_metadata(self):
        """Adds how far the fit got: the search loss of the photo itself and of the exported chain."""
        fit = {"fit_loss_photo": self.start_loss.item(), "fit_loss_best": self.best_loss.item()}
        return {**super().export_metadata(), **{k: v for k, v in fit.items() if math.isfinite(v)}}

    # ------------------------------------------------------------------ checkpoints

    def extra_state(self):
        state = {"best_loss": self.best_loss.clone(), "start_loss": self.start_loss.clone(), "tuned_steps": torch.tensor(self.tuned_steps),
                 "gathered": torch.tensor(self.gathered), "pool": torch.stack(self.pool) if self.pool else torch.zeros(0)}
        if self.target_shift is not None:
            state.update(target_shift=self.target_shift, scale=self.scale)
        elif self.sums is not None:
            state.update(sums=self.sums, counts=self.counts)
        return state

    def load_extra_state(self, state):
        self.best_loss = state["best_loss"].clone()
        self.start_loss = state.get("start_loss", torch.tensor(float("nan"))).clone()
        self.tuned_steps, self.gathered = int(state["tuned_steps"]), int(state["gathered"])
        self.pool = list(state["pool"].unbind(0)) if state["pool"].numel() else []
        self.sums, self.counts = state.get("sums"), state.get("counts")
        self.target_shift, self.scale = state.get("target_shift"), state.get("scale")
