"""Add a personal style to a trained multi-style model (`styleforge styles add`): one new style code (a row of
the `light_multi` generator's codes) learned with every base weight frozen, so the existing styles are
untouched (bit-identical files and outputs).

A fresh light PatchGAN (model.discriminator) judges the new style's images (batch key 'style') against
G(photo, new code); PatchNCE (loss.nce_weight) keeps the photo's content. G's base rows get a zero gradient,
so Adam leaves them exactly as they were; the export is the whole model with the new style as its last
style, and `styles add` copies that row to the base's adapters/NAME.safetensors.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ..errors import ConfigError
from ..losses import PatchSampleMLP, get_adversarial_loss, layered_patch_nce
from ..models import DISCRIMINATORS, load_pretrained
from ..models.adapters import attach_adapters, check_style_name
from ..models.pretrained import resolve_model_dir
from .base import RECIPES
from .translation import AdversarialTranslationRecipe


@RECIPES.register("adapter")
class AdapterRecipe(AdversarialTranslationRecipe):
    ema_networks = ()

    def __init__(self, config, channels: int):
        super().__init__(config, channels)
        a, m = config.adapter, config.model
        if not a.base:
            raise ConfigError("config key 'adapter.base' is empty: give the multistyle run or export to extend")
        check_style_name(a.style_name)
        folder = resolve_model_dir(a.base)
        g, exported = load_pretrained(folder)
        styles = exported.get("metadata", {}).get("styles")
        if not styles or not hasattr(g, "codes"):
            raise ConfigError(f"{a.base}: not a multi-style model (train one with `styleforge train multistyle`)")
        names = attach_adapters(g, folder, list(styles))
        if a.style_name in names:
            raise ConfigError(f"{a.base}: it already has a style named '{a.style_name}'")
        self.style_names = names + [a.style_name]
        g.requires_grad_(False)
        new_style = F.one_hot(torch.tensor(len(names)), len(names) + 1).float()  # (S + 1,)
        with torch.no_grad():  # the new row starts at the mean style; forward(x) uses it
            g.codes = torch.nn.Parameter(torch.cat([g.codes, g.codes.mean(0, keepdim=True)]))
            g.mix = new_style.clone()
        g._init_kwargs = {**g._init_kwargs, "styles": len(names) + 1}  # its export is the grown model
        g.codes.register_hook(lambda grad: grad * new_style[:, None].to(grad))  # the base rows never move
        self.networks["G"] = g
        self.networks["D"] = DISCRIMINATORS.create(m.discriminator, channels=channels, **m.discriminator_args)
        self.nce_layers = list(g.nce_layers)
        with torch.no_grad():
            feats = g.features(torch.zeros(1, channels, 32, 32), self.nce_layers)
        self.networks["F"] = PatchSampleMLP([f.shape[1] for f in feats])
        self.adversarial = get_adversarial_loss(config.loss.adversarial)

    def optimizer_groups(self):
        t, n = self.config.train, self.networks
        return {"G": ([n["G"].codes, *n["F"].parameters()], t.lr_generator),
                "D": (list(n["D"].parameters()), t.lr_discriminator)}

    def training_step(self, batch, step):
        n, loss = self.networks, self.config.loss
        a, b = batch["content"], batch["style"]
        G = n["G"]
        fake = G(a)  # the new style (G.mix)
        loss_d = self.discriminator_step(b, fake, step)
        adv = self.adversarial.generator_loss(n["D"](self.augment(fake)))
        nce = layered_patch_nce(lambda x: G.features(x, self.nce_layers), n["F"], a, fake, loss.nce_patches,
                                loss.nce_temperature)
        step.update("G", adv + loss.nce_weight * nce)
        n["D"].requires_grad_(True)
        return {"loss_G": adv.item(), "loss_nce": nce.item(), "loss_D": loss_d.item()}

    def export_metadata(self):
        return {**super().export_metadata(), "styles": self.style_names}
