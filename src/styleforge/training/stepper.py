"""The optimiser steps of a training step, owned by the trainer and handed to the recipe.

A recipe computes losses; it never holds an optimiser. It calls `step.update("D", loss_d)` (or
`update_in_parts` for a loss built in separately backpropagated parts) and the Stepper zeroes that
optimiser's gradients, backpropagates (through the fp16 scaler under train.amp=fp16), averages the gradients
over torchrun processes, clips them to train.grad_clip and steps — or withholds the step when a loss is NaN or
infinite (the trainer sees the non-finite loss and counts it).
"""
from __future__ import annotations

from typing import Callable, Iterable

import torch
from torch import nn

from .distributed import all_true, average_gradients  # no-ops in a single process


class Stepper:
    def __init__(self, optimizers: dict[str, torch.optim.Optimizer], scaler: torch.amp.GradScaler | None = None,
                 grad_clip: float = 0.0):
        self.optimizers, self.scaler, self.grad_clip = optimizers, scaler, grad_clip

    @classmethod
    def adam(cls, groups: dict[str, tuple[list[nn.Parameter], float]], betas: tuple[float, float] = (0.5, 0.999),
             **kwargs) -> "Stepper":
        """One Adam per entry of a recipe's optimizer_groups() (what the trainer builds). Fused (one kernel
        per step instead of a dozen per tensor) where the parameters are on a CPU or CUDA device: the same
        update; 2-3% less time per reference CycleGAN step at 128² in paired runs on a 2-core CPU, about the
        run-to-run noise (benchmarks/speed.py)."""
        def adam(params, lr):
            fused = all(p.device.type in ("cpu", "cuda") and p.is_floating_point() for p in params)
            return torch.optim.Adam(params, lr=lr, betas=betas, fused=fused or None)
        return cls({name: adam(list(params), lr) for name, (params, lr) in groups.items()}, **kwargs)

    def update(self, name: str, loss: torch.Tensor) -> bool:
        """Backpropagate `loss` into fresh gradients and step optimiser `name`, unless the loss is not finite
        (then the gradients are dropped and the weights stay). Returns whether the step was taken."""
        return self.update_in_parts(name, [lambda: loss])

    def update_in_parts(self, name: str, parts: Iterable[Callable[[], torch.Tensor]]) -> bool:
        """update() for a loss that is a sum of parts with separate graphs. Each part is a callable that runs
        its forward pass and returns its scalar loss; it is backpropagated at once, so only one part's
        activations are alive at a time. Same gradient as one backward of the sum, less peak memory."""
        optimizer, scaler = self.optimizers[name], self.scaler
        optimizer.zero_grad(set_to_none=True)
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
        if self.grad_clip > 0:  # one rare huge gradient would otherwise make Adam take a step of many learning rates
            if scaler is not None:
                scaler.unscale_(optimizer)
            torch.nn.utils.clip_grad_norm_([p for p in params if p.grad is not None], self.grad_clip)
        if scaler is not None:
            scaler.step(optimizer)  # skips the step itself if the scaled gradients overflowed
            scaler.update()
        else:
            optimizer.step()
        # The gradients are spent: freed now, not at this optimiser's next update, so that they do not sit
        # beside the other networks' passes in between (FastCUT's fp32 peak RSS 0.738 -> 0.695 GiB at 128²).
        optimizer.zero_grad(set_to_none=True)
        return True

    @staticmethod
    def fit(params: list[nn.Parameter], loss_of_step: Callable[[int], torch.Tensor], steps: int, lr: float) -> None:
        """A short inner optimisation inside one training step (e.g. the `filters` search's colour fit on a
        trial copy of the generator): Adam at `lr` on `params` alone for `steps` steps of loss_of_step(i).
        Uses torch.autograd.grad, so no other parameter's gradient is touched; `params` end with no gradient."""
        optimizer = torch.optim.Adam(params, lr=lr)
        with torch.enable_grad():
            for i in range(steps):
                for p, grad in zip(params, torch.autograd.grad(loss_of_step(i), params)):
                    p.grad = grad
                optimizer.step()
        for p in params:
            p.grad = None
