"""Distillation (after GAN Compression, Li et al. 2020): a small student S learns a trained teacher T.

x = content photos, b = style images. f_l: learned 1x1 convolutions from S's features to T's at the same
resolution (the feature pairs are matched by spatial size).
L_S = w_out |S(x) - T(x)|_1 + w_feat sum_l mean((f_l(S_l(x)) - T_l(x))^2) + adv(D(S(x)))
L_D = adv_D(D(b), D(S(x)))
The teacher is frozen; it is kept among the networks so that a checkpoint holds everything a resume needs.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import ConfigError
from ..losses import get_adversarial_loss
from ..models import DISCRIMINATORS, GENERATORS, load_pretrained
from ..models.pretrained import resolve_model_dir
from .base import RECIPES
from .translation import AdversarialTranslationRecipe

PROBE_SIZE = 64  # feature shapes are read off one probe image of this size


def load_teacher(path: str) -> nn.Module:
    """The frozen teacher generator from a run or export folder (a single-style image model)."""
    if not path:
        raise ConfigError("the distill recipe needs distill.teacher=RUN (a trained style model's run or export folder)")
    module, config = load_pretrained(resolve_model_dir(path))
    meta = config.get("metadata", {})
    if meta.get("task") != "image" or "styles" in meta:
        raise ConfigError(f"{path}: the teacher must be a single-style image model (task 'image')")
    return module.eval().requires_grad_(False)


def feature_pairs(student: nn.Module, teacher: nn.Module, channels: int) -> list[tuple[int, int, int, int]]:
    """[(student id, teacher id, student channels, teacher channels)]: for each resolution both encoders
    reach, the deepest feature of each there."""
    probe = torch.zeros(1, channels, PROBE_SIZE, PROBE_SIZE)
    found = []
    for net in (student, teacher):
        ids = list(getattr(net, "nce_layers", []))
        if not hasattr(net, "features") or not ids:
            return []
        with torch.no_grad():
            feats = net.features(probe, ids)
        found.append({f.shape[-1]: (i, f.shape[1]) for i, f in zip(ids, feats)})  # deepest id per size wins
    return [(s[0], t[0], s[1], t[1]) for size, s in found[0].items() if (t := found[1].get(size))]


def output_and_features(net: nn.Module, x: torch.Tensor, ids: list[int]) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """(net(x), net.features(x, ids)), in one pass where the network offers `forward_features`."""
    if not ids:
        return net(x), []
    if hasattr(net, "forward_features"):
        return net.forward_features(x, ids)
    return net(x), net.features(x, ids)


@RECIPES.register("distill")
class DistillRecipe(AdversarialTranslationRecipe):
    def __init__(self, config, channels: int):
        super().__init__(config, channels)
        m = config.model
        self.networks["G"] = GENERATORS.create(m.generator, channels=channels, **m.generator_args)
        self.networks["D"] = DISCRIMINATORS.create(m.discriminator, channels=channels, **m.discriminator_args)
        self.networks["teacher"] = load_teacher(config.distill.teacher)
        self.pairs = feature_pairs(self.networks["G"], self.networks["teacher"], channels)
        self.networks["project"] = nn.ModuleList(nn.Conv2d(cs, ct, 1) for _, _, cs, ct in self.pairs)
        self.adversarial = get_adversarial_loss(config.loss.adversarial)

    def optimizer_groups(self):
        t, n = self.config.train, self.networks
        return {"G": (list(n["G"].parameters()) + list(n["project"].parameters()), t.lr_generator),
                "D": (list(n["D"].parameters()), t.lr_discriminator)}

    def feature_loss(self, students: list[torch.Tensor], targets: list[torch.Tensor]) -> torch.Tensor:
        """sum over the feature pairs of mean((f_l(S_l(x)) - T_l(x))^2)."""
        return sum(F.mse_loss(f(s), t) for f, s, t in zip(self.networks["project"], students, targets))

    def training_step(self, batch, step):
        n, distill = self.networks, self.config.distill
        x, b = batch["content"], batch["style"]
        n["teacher"].eval()
        matching = self.pairs if distill.feature_weight > 0 else []
        with torch.no_grad():
            target, targets = output_and_features(n["teacher"], x, [t for _, t, _, _ in matching])
        student, students = output_and_features(n["G"], x, [s for s, _, _, _ in matching])

        loss_d = self.discriminator_step(b, student, step)

        adv = self.adversarial.generator_loss(n["D"](self.augment(student)))
        output = (student - target).abs().mean()
        features = self.feature_loss(students, targets) if matching else x.new_zeros(())
        step.update("G", adv + distill.output_weight * output + distill.feature_weight * features)
        n["D"].requires_grad_(True)
        return {"loss_G": adv.item(), "loss_output": output.item(), "loss_features": features.item(),
                "loss_D": loss_d.item()}

    def export_metadata(self):
        return {**super().export_metadata(), "teacher": self.config.distill.teacher}
