"""A guard against a GAN blowing up: flag a generator step whose loss leaps far above its running level.

Measured on the painterly recipe (docs/benchmarks.md): runs that learned well for 500-900 steps then saw
the generator's content and style losses jump 10-1000x within a few steps (its output saturated, the
discriminator's loss fell to 0) and never recovered. A flagged step is withheld and reported as a
non-finite loss, so the trainer's existing recovery applies: more than MAX_SKIPS flagged steps in a row
roll the run back to its last checkpoint with halved learning rates (training/trainer.py, _recover).
"""
from __future__ import annotations

import torch
from torch import nn


class DivergenceGuard(nn.Module):
    """check(value) -> False for a value above `factor` x the running level (after `warmup` values).

    The level is an exponential moving average (`decay`) of the accepted values; flagged values are
    not folded in. Buffers, so a checkpoint carries the level and a resumed run decides the same."""

    def __init__(self, factor: float = 4.0, warmup: int = 50, decay: float = 0.98):
        super().__init__()
        self.factor, self.warmup, self.decay = factor, warmup, decay
        self.register_buffer("level", torch.zeros((), dtype=torch.float64))
        self.register_buffer("seen", torch.zeros((), dtype=torch.long))

    def check(self, value: float) -> bool:
        seen, level = int(self.seen), float(self.level)
        if seen >= self.warmup and value > self.factor * level:
            return False
        self.level.fill_(value if seen == 0 else self.decay * level + (1 - self.decay) * value)
        self.seen += 1
        return True
