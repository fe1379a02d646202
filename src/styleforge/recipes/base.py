"""The recipe contract the trainer relies on.

A recipe owns its networks (an nn.ModuleDict, paper-aligned keys such as G, D, G_ab, D_b), its losses
and its update order (manual optimisation). It never touches devices, files or optimisers: the trainer moves
the networks, feeds batches already on the right device, owns optimisers, EMA and checkpoints, and hands
each training_step the `Steps` that take the optimiser steps.
"""
from __future__ import annotations

from typing import Any, Callable, ClassVar, Iterable, Protocol

import torch
from torch import nn

from ..config import Config
from ..errors import ConfigError
from ..registry import Registry

RECIPES = Registry("recipe")


class Steps(Protocol):
    """The optimiser steps the trainer hands to `training_step` (training.stepper.Stepper): each zeroes the
    named optimiser's gradients, backpropagates, and steps, or withholds the step for a non-finite loss."""

    def update(self, name: str, loss: torch.Tensor) -> bool: ...

    def update_in_parts(self, name: str, parts: Iterable[Callable[[], torch.Tensor]]) -> bool: ...

    def fit(self, params: list[nn.Parameter], loss_of_step: Callable[[int], torch.Tensor], steps: int,
            lr: float) -> None: ...


class Recipe:
    #: data domains the recipe trains on, each a key of the batch dict: "real" for noise-to-image GANs,
    #: "style" and "content" for style learning
    domains: ClassVar[tuple[str, ...]] = ("real",)
    #: networks that get an EMA copy when train.ema_decay > 0
    ema_networks: ClassVar[tuple[str, ...]] = ("G",)
    #: the network written to export/ (its EMA copy where there is one)
    export_network: ClassVar[str] = "G"
    #: what the exported generator maps from: "noise" or "image"
    task: ClassVar[str] = "noise"

    def __init__(self, config: Config, channels: int):
        self.config, self.channels = config, channels
        self.networks = nn.ModuleDict()

    @classmethod
    def data_domains(cls, config: Config) -> tuple[str, ...]:
        """The batch keys this configuration needs (`domains`, unless the recipe derives them from config)."""
        return cls.domains

    @classmethod
    def data_sources(cls, config: Config) -> dict[str, tuple[str, str]]:
        """{batch key: (named source or folder, its local path)} that the trainer loads: 'real' and 'style'
        from data.style / data.style_path, 'content' from data.content / data.content_path."""
        d = config.data
        known = {"real": (d.style, d.style_path), "style": (d.style, d.style_path), "content": (d.content, d.content_path)}
        return {domain: known[domain] for domain in cls.data_domains(config)}

    def optimizer_groups(self) -> dict[str, tuple[list[nn.Parameter], float]]:
        """{optimiser name: (parameters, learning rate)}; the trainer builds one Adam per entry."""
        raise NotImplementedError

    def training_step(self, batch: dict[str, torch.Tensor], step: Steps) -> dict[str, float]:
        """One adversarial update, each optimiser step through `step` (e.g. step.update("D", loss_d)).
        batch[domain]: float (N, C, H, W) in [-1, 1]. Returns detached losses."""
        raise NotImplementedError

    def sample_inputs(self, batch: dict[str, torch.Tensor], n: int, generator: torch.Generator) -> torch.Tensor:
        """Fixed inputs for sample grids (noise, or content images taken from `batch`)."""
        raise NotImplementedError

    @torch.no_grad()
    def render_samples(self, inputs: torch.Tensor, networks: dict[str, nn.Module]) -> torch.Tensor:
        """Images (N, C, H, W) in [-1, 1] for a sample grid, from the given (possibly EMA) networks."""
        raise NotImplementedError

    def phase(self) -> str:
        """What the next training_step will do, for the progress bar and the web app (e.g. "gathering
        statistics" while a recipe's first steps only look at the data)."""
        return "training"

    def announce(self, phase: str) -> None:
        """Called by a recipe inside a long step to say what it is doing; the trainer points it at its logger."""

    def sample_labels(self) -> list[str] | None:
        """Column titles of the sample grid when render_samples returns groups (one title per image of a
        group, e.g. ['photo', 'styled']), or None for a plain grid."""
        return None

    def calibration_inputs(self, generator: torch.Generator) -> list[torch.Tensor] | None:
        """Input batches on which an EMA network's batch-norm statistics are re-estimated (see training.ema),
        or None to keep the statistics copied from the live network."""
        return None

    def extra_state(self) -> dict[str, torch.Tensor]:
        """Recipe state beyond the networks that a checkpoint must keep (e.g. an image pool)."""
        return {}

    def load_extra_state(self, state: dict[str, torch.Tensor]) -> None:
        pass

    def export_metadata(self) -> dict[str, Any]:
        d = self.config.data
        return {"recipe": self.config.recipe, "task": self.task, "image_size": d.image_size, "channels": self.channels}


def build_recipe(config: Config, channels: int) -> Recipe:
    recipe = RECIPES.get(config.recipe)
    try:
        return recipe(config, channels)
    except (TypeError, ValueError, RuntimeError) as exc:  # e.g. a negative or non-numeric channel count
        m = config.model
        raise ConfigError(f"cannot build the networks from model.generator={m.generator} "
                          f"model.generator_args={m.generator_args} model.discriminator={m.discriminator} "
                          f"model.discriminator_args={m.discriminator_args}: {str(exc).splitlines()[0]}") from None
