"""Adversarial losses on raw discriminator outputs (logits or patch maps of any shape).

With D's output d = D(x), real x ~ data and fake G(z):

- bce (Goodfellow et al. 2014, non-saturating): L_D = softplus(-d_real) + softplus(d_fake),
  L_G = softplus(-d_fake)  (= -log sigmoid(d_fake), the non-saturating form).
- lsgan (Mao et al. 2017, Euclidean): L_D = ½(d_real - 1)² + ½ d_fake², L_G = ½(d_fake - 1)².
- hinge (Lim & Ye 2017): L_D = relu(1 - d_real) + relu(1 + d_fake), L_G = -d_fake.

Every value is a mean over all elements.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn.functional as F

from ..registry import Registry

ADVERSARIAL_LOSSES = Registry("adversarial loss")


@dataclass(frozen=True)
class AdversarialLoss:
    name: str
    real: Callable[[torch.Tensor], torch.Tensor]       # D's loss on real outputs
    fake: Callable[[torch.Tensor], torch.Tensor]       # D's loss on fake outputs
    generator: Callable[[torch.Tensor], torch.Tensor]  # G's loss on fake outputs

    def discriminator_loss(self, real_out: torch.Tensor, fake_out: torch.Tensor) -> torch.Tensor:
        return self.real(real_out) + self.fake(fake_out)

    def generator_loss(self, fake_out: torch.Tensor) -> torch.Tensor:
        return self.generator(fake_out)


def _register(loss: AdversarialLoss) -> None:
    ADVERSARIAL_LOSSES.register(loss.name)(lambda: loss)


_register(AdversarialLoss("bce", real=lambda d: F.softplus(-d).mean(), fake=lambda d: F.softplus(d).mean(),
                          generator=lambda d: F.softplus(-d).mean()))
_register(AdversarialLoss("lsgan", real=lambda d: 0.5 * (d - 1).pow(2).mean(), fake=lambda d: 0.5 * d.pow(2).mean(),
                          generator=lambda d: 0.5 * (d - 1).pow(2).mean()))
_register(AdversarialLoss("hinge", real=lambda d: F.relu(1 - d).mean(), fake=lambda d: F.relu(1 + d).mean(),
                          generator=lambda d: -d.mean()))


def get_adversarial_loss(name: str) -> AdversarialLoss:
    return ADVERSARIAL_LOSSES.get(name)()
