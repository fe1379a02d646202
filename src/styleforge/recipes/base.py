"""The recipe contract the trainer relies on.

A recipe owns its networks (an nn.ModuleDict, paper-aligned keys such as G, D, G_ab, D_b), its losses
and its update order (manual optimisation). It never touches devices or files: the trainer moves
the networks, feeds batches already on the right device, and owns optimisers, EMA and checkpoints.
"""
from __future__ import annotations

from contextvars import ContextVar
from typing import Any, Callable, ClassVar, Iterable

import torch
from torch import nn

from ..config import Config
from ..errors import ConfigError
from ..registry import Registry

RECIPES = Registry("recipe")
#: the fp16 gradient scaler of the running trainer (train.amp=fp16), or None
GRAD_SCALER: ContextVar[Any] = ContextVar("GRAD_SCALER", default=None)
#: the running trainer's train.grad_clip: the largest L2 norm of one optimiser step's gradients (0: no clipping)
GRAD_CLIP: ContextVar[float] = ContextVar("GRAD_CLIP", default=0.0)


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

    def optimizer_groups(self) -> dict[str, tuple[list[nn.Parameter], float]]:
        """{optimiser name: (parameters, learning rate)}; the trainer builds one Adam per entry."""
        raise NotImplementedError

    def training_step(self, batch: dict[str, torch.Tensor], optimizers: dict[str, torch.optim.Optimizer]) -> dict[str, float]:
        """One adversarial update. batch[domain]: float (N, C, H, W) in [-1, 1]. Returns detached losses."""
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


def update(loss: torch.Tensor, optimizer: torch.optim.Optimizer) -> bool:
    """Backpropagate `loss` and step `optimizer`, unless the loss is NaN or infinite: then the gradients
    are dropped and the weights stay as they were (the trainer sees the non-finite loss and counts it).
    Under torchrun the gradients are averaged over the processes first, then clipped to the norm
    train.grad_clip (GRAD_CLIP) when it is set. Returns whether the step was taken."""
    return update_in_parts([lambda: loss], optimizer)


def update_in_parts(parts: Iterable[Callable[[], torch.Tensor]], optimizer: torch.optim.Optimizer) -> bool:
    """update() for a loss that is a sum of parts with separate graphs. Each part is a callable that runs
    its forward pass and returns its scalar loss; it is backpropagated at once, so only one part's
    activations are alive at a time. Same gradient as one backward of the sum, less peak memory."""
    from ..distributed import all_true, average_gradients  # no-ops in a single process

    scaler = GRAD_SCALER.get()
    finite, device = True, None
    for part in parts:
        loss = part()
        device = loss.device
        if not bool(torch.isfinite(loss.detach()).all()):
            finite = False
        elif finite:  # after a non-finite part the step is dropped anyway
            (scaler.scale(loss) if scaler is not None else loss).backward()
        del loss  # frees this part's graph before the next one is built
    if not all_true(finite, device):  # every process skips together
        optimizer.zero_grad(set_to_none=True)
        return False
    params = [p for group in optimizer.param_groups for p in group["params"]]
    average_gradients(params)
    clip = GRAD_CLIP.get()
    if clip > 0:  # one rare huge gradient would otherwise make Adam take a step of many learning rates
        if scaler is not None:
            scaler.unscale_(optimizer)
        torch.nn.utils.clip_grad_norm_([p for p in params if p.grad is not None], clip)
    if scaler is not None:
        scaler.step(optimizer)  # skips the step itself if the scaled gradients overflowed
        scaler.update()
    else:
        optimizer.step()
    return True


def build_recipe(config: Config, channels: int) -> Recipe:
    recipe = RECIPES.get(config.recipe)
    try:
        return recipe(config, channels)
    except (TypeError, ValueError, RuntimeError) as exc:  # e.g. a negative or non-numeric channel count
        m = config.model
        raise ConfigError(f"cannot build the networks from model.generator={m.generator} "
                          f"model.generator_args={m.generator_args} model.discriminator={m.discriminator} "
                          f"model.discriminator_args={m.discriminator_args}: {str(exc).splitlines()[0]}") from None
