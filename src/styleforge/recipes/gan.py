"""Noise-to-image GANs: Goodfellow et al. 2014 (`gan`, MLP networks) and DCGAN (`dcgan`).

The two names are the two papers' network families: `gan` trains fully connected networks (models mlp),
`dcgan` convolutional ones (models dcgan); model.generator / model.discriminator left empty mean the
recipe's own, and naming the other family is refused (train the other recipe). The training step is the same.
Update order per step: one discriminator step on real + detached fake, then one generator step.
"""
from __future__ import annotations

from typing import Any, ClassVar

import torch
from torch import nn

from ..errors import ConfigError
from ..losses import get_adversarial_loss
from ..models import DISCRIMINATORS, GENERATORS
from .base import RECIPES, Recipe


class NoiseGANRecipe(Recipe):
    domains = ("real",)
    #: the registered generator and discriminator this recipe's name stands for
    network: ClassVar[str] = ""
    other: ClassVar[str] = ""  # the recipe of the other network family

    def __init__(self, config, channels: int):
        super().__init__(config, channels)
        m, size = config.model, config.data.image_size
        for key, name in (("generator", m.generator), ("discriminator", m.discriminator)):
            if name not in ("", self.network):
                raise ConfigError(f"model.{key}={name}: the {config.recipe} recipe trains {self.network} networks"
                                  + (f"; train {self.other} for {name}" if name == RECIPES.get(self.other).network else ""))
        self.latent_dim = m.latent_dim
        self.networks["G"] = GENERATORS.create(self.network, image_size=size, channels=channels,
                                               latent_dim=m.latent_dim, **m.generator_args)
        self.networks["D"] = DISCRIMINATORS.create(self.network, image_size=size, channels=channels,
                                                   **m.discriminator_args)
        self.adversarial = get_adversarial_loss(config.loss.adversarial)

    def optimizer_groups(self):
        t = self.config.train
        return {"G": (list(self.networks["G"].parameters()), t.lr_generator),
                "D": (list(self.networks["D"].parameters()), t.lr_discriminator)}

    def training_step(self, batch, step):
        G, D = self.networks["G"], self.networks["D"]
        real = batch["real"]
        z = torch.randn(real.shape[0], self.latent_dim, device=real.device)
        fake = G(z)

        gamma = self.config.loss.r1_gamma
        real = real.detach().requires_grad_(gamma > 0)
        d_real, d_fake = D(real), D(fake.detach())
        loss_d = self.adversarial.discriminator_loss(d_real, d_fake)
        if gamma > 0:  # R1: flatten D around the real data
            grad, = torch.autograd.grad(d_real.sum(), real, create_graph=True)
            loss_d = loss_d + gamma / 2 * grad.pow(2).flatten(1).sum(1).mean()
        step.update("D", loss_d)

        loss_g = self.adversarial.generator_loss(D(fake))
        step.update("G", loss_g)
        return {"loss_D": loss_d.item(), "loss_G": loss_g.item(),
                "D_real": d_real.mean().item(), "D_fake": d_fake.mean().item()}

    def sample_inputs(self, batch, n, generator):
        return torch.randn(n, self.latent_dim, generator=generator)

    def calibration_inputs(self, generator):
        """20 batches of train.batch_size latent vectors (N, latent_dim)."""
        return [torch.randn(self.config.train.batch_size, self.latent_dim, generator=generator) for _ in range(20)]

    @torch.no_grad()
    def render_samples(self, inputs, networks: dict[str, nn.Module]):
        return networks["G"](inputs)

    def export_metadata(self) -> dict[str, Any]:
        return {**super().export_metadata(), "latent_dim": self.latent_dim}


@RECIPES.register("gan")
class GANRecipe(NoiseGANRecipe):
    """Goodfellow et al. 2014: fully connected generator and discriminator (models/generators/mlp.py)."""
    network, other = "mlp", "dcgan"


@RECIPES.register("dcgan")
class DCGANRecipe(NoiseGANRecipe):
    """Radford et al. 2015: transposed-convolution generator, strided-convolution discriminator."""
    network, other = "dcgan", "gan"
