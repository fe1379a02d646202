"""What the unpaired image-to-image recipes share: domains, samples and export (TranslationRecipe), and for
those with a discriminator (CycleGAN, CUT, FastCUT, painterly, distill, multistyle) DiffAugment, ADA and the
discriminator step (AdversarialTranslationRecipe)."""
from __future__ import annotations

import torch

from ..data.augment import diff_augment, parse_policy
from .base import Recipe, Steps


class TranslationRecipe(Recipe):
    """Content photos (domain A, batch key 'content') -> style images (domain B, batch key 'style')."""

    domains = ("style", "content")
    task = "image"
    export_network = "G"

    def sample_inputs(self, batch, n, generator):
        return batch["content"][:n]

    @torch.no_grad()
    def render_samples(self, inputs, networks):
        """Pairs [photo, stylised] interleaved: (2N, C, H, W)."""
        out = networks[self.export_network](inputs)
        return torch.stack([inputs, out], 1).flatten(0, 1)

    def sample_labels(self):
        return ["photo", "styled"]


class AdversarialTranslationRecipe(TranslationRecipe):
    """A TranslationRecipe judged by a discriminator networks["D"] (self.adversarial: its loss), whose inputs are
    DiffAugmented, adaptively under ADA (augment.ada_target > 0)."""

    def __init__(self, config, channels: int):
        super().__init__(config, channels)
        self.augment_policy = parse_policy(config.augment.policy)
        self.ada_target, self.ada_speed = config.augment.ada_target, config.augment.ada_speed
        self.ada_p = torch.zeros(())  # augmentation probability under ADA (unused when ada_target == 0)
        self._ada_mid = 0.5 if config.loss.adversarial == "lsgan" else 0.0  # real/fake decision threshold

    def augment(self, x: torch.Tensor) -> torch.Tensor:
        """DiffAugment on a discriminator input (real or fake alike); under ADA each sample is augmented
        with probability ada_p. Generator inputs are never augmented."""
        if not self.augment_policy:
            return x
        augmented = diff_augment(x, self.augment_policy)
        if self.ada_target <= 0:
            return augmented
        keep = torch.rand(x.shape[0], 1, 1, 1, device=x.device) < self.ada_p.item()
        return torch.where(keep, augmented, x)

    def observe_real(self, logits: torch.Tensor) -> torch.Tensor:
        """ADA's overfitting signal r = E[sign(D(real) - threshold)]: p rises while r > ada_target (the
        discriminator is too sure of the real images) and falls otherwise (Karras et al. 2020)."""
        if self.ada_target > 0:
            r = torch.sign(logits.detach().float() - self._ada_mid).mean().item()
            step = self.ada_speed if r > self.ada_target else -self.ada_speed
            self.ada_p = (self.ada_p + step).clamp(0.0, 1.0)
        return logits

    def discriminator_step(self, real: torch.Tensor, fake: torch.Tensor, step: Steps) -> torch.Tensor:
        """One update of networks["D"] on real style images and detached fakes; D is then frozen for the
        generator step (the caller unfreezes it). Returns L_D."""
        D = self.networks["D"]
        loss_d = self.adversarial.discriminator_loss(self.observe_real(D(self.augment(real))),
                                                     D(self.augment(fake.detach())))
        step.update("D", loss_d)
        D.requires_grad_(False)
        return loss_d

    def extra_state(self):
        return {"ada_p": self.ada_p.clone()}

    def load_extra_state(self, state):
        if "ada_p" in state:
            self.ada_p = state["ada_p"].clone()
