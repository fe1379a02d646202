"""A painter's hand from a few paintings: an adversarial recipe on frozen pretrained networks.

A = content photos, B = style images (paintings); G: A -> B, a feed-forward generator.
- D: a Projected GAN discriminator (models/discriminators/projected.py): trainable patch discriminators
  on randomly mixed multi-scale features of a frozen EfficientNet-Lite0, fed DiffAugment'ed images.
- P: VGG-16 content and style losses (losses/feature_style.py) whose style statistics (Gram matrices,
  channel moments, a reservoir of feature vectors) are gathered once from the style crops of the first
  steps, then fixed: what the painter's surfaces look like on average, at the scale of the crops.

    L_D = adv_D(D(aug(b)), D(aug(G(a))))
    L_G = w_adv adv_G(D(aug(G(a)))) + w_c content(G(a), a) + w_s style(G(a)) + w_col style(colour(G(a)))
          + w_co style(coarse(G(a))) + w_p palette(G(a)) + w_bp band_palette(G(a)) + w_tv TV(G(a))

colour(x) (losses/feature_style.py colour_view): the chroma alone at half size, its style statistics gathered
from the style set's colour views like the others: the painter's colour texture (broken colour).
coarse(x) (coarse_view): x at half size, its statistics from the style set's at half size: the same taps see
the structure of the next octave (strokes twice as large).

With model.generator_args.palette (the light generator's fixed colour map, nn/color.py), the gathering
steps also take the content and style sets' YCbCr moments and fit the map at their end; the content loss
then compares G(a) with the recoloured photo.

palette (losses/palette.py): the sliced Wasserstein distance of G(a)'s colours to the style set's;
band_palette: the same for the colours of each band of G(a)'s Laplacian pyramid (the texture's colours,
octave by octave: a painter's broken colour).

The trainer runs the first ceil(painterly.gather_images / batch) steps as gathering (no update); then
one D update and one G update per step. A G step whose content + style loss leaps far above its running
level is withheld (recipes/guard.py); several in a row roll the run back to its last checkpoint. The
pretrained networks never train and are not in checkpoints; the gathered statistics are (P's buffers), so
a resumed run is exact.
"""
from __future__ import annotations

import torch

from ..losses import get_adversarial_loss, total_variation
from ..losses.feature_style import FeatureStyleLoss
from ..losses.palette import BandPaletteLoss, PaletteLoss
from ..models import DISCRIMINATORS, GENERATORS
from ..nn.color import ColourMoments
from ..specs import parse_names
from .base import RECIPES
from .guard import DivergenceGuard
from .translation import AdversarialTranslationRecipe


@RECIPES.register("painterly")
class PainterlyRecipe(AdversarialTranslationRecipe):
    def __init__(self, config, channels: int):
        super().__init__(config, channels)
        m, p = config.model, config.painterly
        self.networks["G"] = GENERATORS.create(m.generator, channels=channels, **m.generator_args)
        if p.adversarial_weight > 0:
            self.networks["D"] = DISCRIMINATORS.create(m.discriminator, channels=channels, **m.discriminator_args)
        self.view_weights = {view: weight for view, weight in (("colour", p.colour_weight), ("coarse", p.coarse_weight))
                             if weight > 0}  # the style loss's extra views (losses/feature_style.py VIEWS)
        self.networks["P"] = FeatureStyleLoss(parse_names(p.style_taps), p.content_tap, p.style_loss,
                                              views=tuple(self.view_weights))
        if p.palette_weight > 0:
            self.networks["palette"] = PaletteLoss(channels)
        if p.band_palette_weight > 0:
            self.networks["band_palette"] = BandPaletteLoss(channels)
        if getattr(self.networks["G"], "palette", None) is not None:  # its colour map is fitted from the gathered moments
            self.networks["moments_content"], self.networks["moments_style"] = ColourMoments(), ColourMoments()
        self.networks["guard"] = DivergenceGuard(p.guard)  # a blown-up step is withheld; repeated ones roll back
        self.adversarial = get_adversarial_loss(config.loss.adversarial)
        self.weights = p

    def optimizer_groups(self):
        t, n = self.config.train, self.networks
        groups = {"G": (list(n["G"].parameters()), t.lr_generator)}
        if "D" in n:
            groups["D"] = (list(n["D"].parameters()), t.lr_discriminator)
        return groups

    def gathering(self) -> bool:
        """Whether the next steps still gather the style statistics (the first ceil(gather_images / batch))."""
        return self.networks["P"].count.item() < self.weights.gather_images

    def phase(self) -> str:
        return "gathering statistics" if self.gathering() else "training"

    def training_step(self, batch, step):
        n, w = self.networks, self.weights
        a, b = batch["content"], batch["style"]
        P = n["P"]
        if self.gathering():
            P.gather(b)
            for name in ("palette", "band_palette"):
                if name in n:
                    n[name].gather(b)
            if "moments_style" in n:
                n["moments_content"].add(a)
                n["moments_style"].add(b)
                if not self.gathering():  # the last gathering step: the set-to-set colour map is now known
                    n["G"].palette.fit(n["moments_content"], n["moments_style"])
            return {"gathered": P.count.item()}
        G = n["G"]
        if getattr(G, "noise_channels", 0):  # a fresh stretch of the position noise for every batch
            fake = G(a, offset=tuple(torch.randint(0, 1 << 20, (2,)).tolist()))
        else:
            fake = G(a)
        losses = {}
        if "D" in n:
            losses["loss_D"] = self.discriminator_step(b, fake, step).item()
        # with a colour map in G the content target is the recoloured photo: content keeps shapes, not the photo's palette
        content, style, views = P(fake, G.palette(a).detach() if getattr(G, "palette", None) is not None else a)
        total = w.content_weight * content + w.style_weight * style
        for view, weight in self.view_weights.items():
            total = total + weight * views[view]
        if "D" in n:
            adv = self.adversarial.generator_loss(n["D"](self.augment(fake)))
            total = total + w.adversarial_weight * adv
            losses["loss_G"] = adv.item()
        for name, weight in (("palette", w.palette_weight), ("band_palette", w.band_palette_weight)):
            if name in n:
                value = n[name](fake)
                total = total + weight * value
                losses[f"loss_{name}"] = value.item()
        if w.tv_weight:
            total = total + w.tv_weight * total_variation(fake)
        losses.update(loss_content=content.item(), loss_style=style.item())
        level = w.content_weight * losses["loss_content"] + w.style_weight * losses["loss_style"]
        for view, weight in self.view_weights.items():
            losses[f"loss_{view}"] = views[view].item()
            level += weight * losses[f"loss_{view}"]
        if w.guard and not n["guard"].check(level):
            losses["diverged"] = float("nan")  # withheld: the trainer counts it as a non-finite step
            losses["guard_level"] = n["guard"].level.item()  # the running level it leapt above (in the log)
        else:
            step.update("G", total)
        if "D" in n:
            n["D"].requires_grad_(True)
        return {**losses, "ada_p": self.ada_p.item()} if self.ada_target > 0 else losses
