"""Many styles in one model: a style-conditioned generator and a style-aware discriminator, trained on
several style folders at once (FastCUT-style: one direction, PatchNCE keeps the content).

Each content image i of a batch is assigned style s_i = (step + i) mod S; with one-hot weights w_i:
L_D = sum_i adv_D(D(aug(real_{s_i}), s_i), D(aug(G(a_i, w_i)), s_i))
L_G = adv_G(D(aug(G(a, w)), s)) + w_nce * NCE_w(a, G(a, w))
where D has one output head per style and NCE uses G's features under the same style code.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ..errors import ConfigError
from ..losses import PatchSampleMLP, get_adversarial_loss, layered_patch_nce
from ..models import DISCRIMINATORS, GENERATORS
from ..specs import parse_pairs
from .base import RECIPES
from .translation import AdversarialTranslationRecipe


def parse_styles(spec: str) -> list[tuple[str, str]]:
    """'monet=monet,film=/data/film' -> [('monet', 'monet'), ('film', '/data/film')]."""
    items = parse_pairs(spec, "config key 'multistyle.styles'", error=ConfigError)
    names = [n for n, _ in items]
    if len(items) < 1 or len(set(names)) != len(names):
        raise ConfigError(f"config key 'multistyle.styles' needs one or more distinct style names, got '{spec}'")
    return items


@RECIPES.register("multistyle")
class MultiStyleRecipe(AdversarialTranslationRecipe):
    @classmethod
    def data_domains(cls, config):
        return ("content",) + tuple(f"style:{name}" for name, _ in parse_styles(config.multistyle.styles))

    @classmethod
    def data_sources(cls, config):
        d = config.data
        return {"content": (d.content, d.content_path),
                **{f"style:{name}": (source, "") for name, source in parse_styles(config.multistyle.styles)}}

    def __init__(self, config, channels: int):
        super().__init__(config, channels)
        self.style_names = [name for name, _ in parse_styles(config.multistyle.styles)]
        m, k = config.model, len(self.style_names)
        self.networks["G"] = GENERATORS.create(m.generator, channels=channels, styles=k, **m.generator_args)
        self.networks["D"] = DISCRIMINATORS.create(m.discriminator, channels=channels, styles=k, **m.discriminator_args)
        g = self.networks["G"]
        self.nce_layers = list(g.nce_layers)
        with torch.no_grad():
            feats = g.features(torch.zeros(1, channels, 32, 32), self.nce_layers)
        self.networks["F"] = PatchSampleMLP([f.shape[1] for f in feats])
        self.adversarial = get_adversarial_loss(config.loss.adversarial)
        self.steps_seen = 0

    def optimizer_groups(self):
        t, n = self.config.train, self.networks
        return {"G": (list(n["G"].parameters()) + list(n["F"].parameters()), t.lr_generator),
                "D": (list(n["D"].parameters()), t.lr_discriminator)}

    def nce(self, source, output, weights):
        g, loss = self.networks["G"], self.config.loss
        return layered_patch_nce(lambda x: g.features(x, self.nce_layers, weights), self.networks["F"], source,
                                 output, loss.nce_patches, loss.nce_temperature)

    def training_step(self, batch, step):
        n, loss, k = self.networks, self.config.loss, len(self.style_names)
        a = batch["content"]
        style = (torch.arange(a.shape[0], device=a.device) + self.steps_seen) % k
        self.steps_seen += 1
        weights = F.one_hot(style, k).float()
        real = torch.stack([batch[f"style:{self.style_names[s]}"][i] for i, s in enumerate(style.tolist())])
        fake = n["G"](a, weights)

        loss_d = self.adversarial.discriminator_loss(self.observe_real(n["D"](self.augment(real), style)),
                                                     n["D"](self.augment(fake.detach()), style))
        step.update("D", loss_d)

        n["D"].requires_grad_(False)
        adv = self.adversarial.generator_loss(n["D"](self.augment(fake), style))
        nce = self.nce(a, fake, weights) if loss.nce_weight > 0 else torch.zeros((), device=a.device)
        step.update("G", adv + loss.nce_weight * nce)
        n["D"].requires_grad_(True)
        losses = {"loss_G": adv.item(), "loss_nce": nce.item(), "loss_D": loss_d.item()}
        return {**losses, "ada_p": self.ada_p.item()} if self.ada_target > 0 else losses

    def extra_state(self):
        return {**super().extra_state(), "steps_seen": torch.tensor(self.steps_seen)}

    def load_extra_state(self, state):
        super().load_extra_state(state)
        self.steps_seen = int(state.get("steps_seen", torch.tensor(0)))

    @torch.no_grad()
    def render_samples(self, inputs, networks):
        """Rows [photo, style 1, ..., style S] per input: (N * (S + 1), C, H, W)."""
        g, k = networks["G"], len(self.style_names)
        outs = [g(inputs, F.one_hot(torch.full((inputs.shape[0],), s, device=inputs.device), k).float())
                for s in range(k)]
        return torch.stack([inputs, *outs], 1).flatten(0, 1)

    def sample_labels(self):
        return ["photo", *self.style_names]

    def export_metadata(self):
        return {**super().export_metadata(), "styles": self.style_names}
