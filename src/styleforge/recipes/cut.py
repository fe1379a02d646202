"""CUT and FastCUT (Park et al. 2020): one generator, one discriminator, PatchNCE contrastive loss.

A = content photos, B = style images; G: A -> B. F = PatchSampleMLP heads on G's encoder features.
L_G = adv(D(G(a))) + w_nce * NCE(a, G(a))  [+ w_nce * NCE(b, G(b)), the identity term, for `cut`]
where NCE(x, y) averages patch_nce over the layers `nce_layers` of G's encoder.
`cut` has the identity term, `fastcut` (FastCUTRecipe) has none: that is what the two names mean. The
paper's other FastCUT choice, w_nce = 10, is a setting (loss.nce_weight) of its presets (configs/fastcut/).
"""
from __future__ import annotations

from typing import ClassVar

import torch

from ..losses import PatchSampleMLP, get_adversarial_loss, layered_patch_nce
from ..models import DISCRIMINATORS, GENERATORS
from .base import RECIPES
from .translation import AdversarialTranslationRecipe

NCE_LAYERS = (0, 4, 8, 12, 16)


@RECIPES.register("cut")
class CUTRecipe(AdversarialTranslationRecipe):
    #: whether G is also asked to leave style images unchanged (the NCE identity term, CUT's regulariser)
    identity_nce: ClassVar[bool] = True

    def __init__(self, config, channels: int):
        super().__init__(config, channels)
        m = config.model
        self.networks["G"] = GENERATORS.create(m.generator, channels=channels, **m.generator_args)
        self.networks["D"] = DISCRIMINATORS.create(m.discriminator, channels=channels, **m.discriminator_args)
        g = self.networks["G"]
        if hasattr(g, "features"):
            self.nce_layers = list(getattr(g, "nce_layers", NCE_LAYERS))
            with torch.no_grad():
                feats = g.features(torch.zeros(1, channels, 32, 32), self.nce_layers)
            self.networks["F"] = PatchSampleMLP([f.shape[1] for f in feats])
        elif config.loss.nce_weight > 0:
            raise ValueError(f"generator '{m.generator}' exposes no encoder features for PatchNCE "
                             "(set loss.nce_weight=0)")
        self.adversarial = get_adversarial_loss(config.loss.adversarial)

    def optimizer_groups(self):
        t, n = self.config.train, self.networks
        heads = list(n["F"].parameters()) if "F" in n else []
        return {"G": (list(n["G"].parameters()) + heads, t.lr_generator),
                "D": (list(n["D"].parameters()), t.lr_discriminator)}

    def nce(self, source: torch.Tensor, output: torch.Tensor) -> torch.Tensor:
        g, loss = self.networks["G"], self.config.loss
        return layered_patch_nce(lambda x: g.features(x, self.nce_layers), self.networks["F"], source, output,
                                 loss.nce_patches, loss.nce_temperature)

    def training_step(self, batch, step):
        n, loss = self.networks, self.config.loss
        a, b = batch["content"], batch["style"]
        use_identity = self.identity_nce and loss.nce_weight > 0
        both = n["G"](torch.cat([a, b])) if use_identity else n["G"](a)
        fake_b = both[: a.shape[0]]

        loss_d = self.discriminator_step(b, fake_b, step)

        adv = self.adversarial.generator_loss(n["D"](self.augment(fake_b)))
        nce = self.nce(a, fake_b) if loss.nce_weight > 0 else torch.zeros((), device=a.device)
        nce_id = self.nce(b, both[a.shape[0]:]) if use_identity else torch.zeros((), device=a.device)
        total = adv + loss.nce_weight * (nce + nce_id) / (2 if use_identity else 1)
        step.update("G", total)
        n["D"].requires_grad_(True)
        losses = {"loss_G": adv.item(), "loss_nce": nce.item(), "loss_nce_identity": nce_id.item(), "loss_D": loss_d.item()}
        return {**losses, "ada_p": self.ada_p.item()} if self.ada_target > 0 else losses


@RECIPES.register("fastcut")
class FastCUTRecipe(CUTRecipe):
    """FastCUT: CUT without the identity term (one generator pass per step instead of two)."""
    identity_nce = False
