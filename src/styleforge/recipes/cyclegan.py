"""CycleGAN (Zhu et al. 2017): two generators, two discriminators, cycle and identity losses.

A = content photos, B = style images. G_ab: A -> B (exported as `G`), G_ba: B -> A.
L_G = adv(D_b(G_ab(a))) + adv(D_a(G_ba(b)))
      + w_cyc (|G_ba(G_ab(a)) - a| + |G_ab(G_ba(b)) - b|)
      + w_cyc w_id (|G_ab(b) - b| + |G_ba(a) - a|)
L_D = adv_D(D_b(b), D_b(pool_b(fake_b))) + adv_D(D_a(a), D_a(pool_a(fake_a)))
"""
from __future__ import annotations

from ..losses import get_adversarial_loss, l1
from ..models import DISCRIMINATORS, GENERATORS
from .base import RECIPES
from .image_pool import ImagePool
from .translation import AdversarialTranslationRecipe


@RECIPES.register("cyclegan")
class CycleGANRecipe(AdversarialTranslationRecipe):
    ema_networks = ("G",)

    def __init__(self, config, channels: int):
        super().__init__(config, channels)
        m, loss = config.model, config.loss
        make_g = lambda: GENERATORS.create(m.generator, channels=channels, **m.generator_args)  # noqa: E731
        make_d = lambda: DISCRIMINATORS.create(m.discriminator, channels=channels, **m.discriminator_args)  # noqa: E731
        self.networks["G"], self.networks["G_ba"] = make_g(), make_g()  # G is G_ab
        self.networks["D_b"], self.networks["D_a"] = make_d(), make_d()
        self.adversarial = get_adversarial_loss(loss.adversarial)
        self.pools = {"a": ImagePool(loss.pool_size), "b": ImagePool(loss.pool_size)}

    def optimizer_groups(self):
        t, n = self.config.train, self.networks
        return {"G": (list(n["G"].parameters()) + list(n["G_ba"].parameters()), t.lr_generator),
                "D": (list(n["D_a"].parameters()) + list(n["D_b"].parameters()), t.lr_discriminator)}

    def training_step(self, batch, step):
        n, loss = self.networks, self.config.loss
        a, b = batch["content"], batch["style"]
        logged = {"adv": 0.0, "cycle": 0.0, "identity": 0.0}
        fakes = {}

        def translate_and_back(x, forward, back, judge, key):
            """adv(judge(forward(x))) + w_cyc |back(forward(x)) - x|; keeps forward(x), detached, for D."""
            def part():
                fake = forward(x)
                fakes[key] = fake.detach()
                adv = self.adversarial.generator_loss(judge(self.augment(fake)))
                cycle = l1(back(fake), x)
                logged["adv"] += adv.item()
                logged["cycle"] += cycle.item()
                return adv + loss.cycle_weight * cycle
            return part

        def keep(x, net):
            """w_cyc w_id |net(x) - x|: a generator given an image of its target domain leaves it alone."""
            def part():
                identity = l1(net(x), x)
                logged["identity"] += identity.item()
                return loss.cycle_weight * loss.identity_weight * identity
            return part

        # L_G in four parts with separate graphs, each backpropagated before the next is built: at most two
        # generator passes are alive at a time instead of six (peak memory; the gradient is the same)
        parts = [translate_and_back(a, n["G"], n["G_ba"], n["D_b"], "b"),
                 translate_and_back(b, n["G_ba"], n["G"], n["D_a"], "a")]
        if loss.identity_weight > 0:
            parts += [keep(b, n["G"]), keep(a, n["G_ba"])]
        for d in (n["D_a"], n["D_b"]):
            d.requires_grad_(False)
        step.update_in_parts("G", parts)
        for d in (n["D_a"], n["D_b"]):
            d.requires_grad_(True)

        pooled_b, pooled_a = self.pools["b"].query(fakes["b"]), self.pools["a"].query(fakes["a"])
        loss_d = (self.adversarial.discriminator_loss(self.observe_real(n["D_b"](self.augment(b))), n["D_b"](self.augment(pooled_b)))
                  + self.adversarial.discriminator_loss(n["D_a"](self.augment(a)), n["D_a"](self.augment(pooled_a))))
        step.update("D", loss_d)
        return {"loss_G": logged["adv"], "loss_cycle": logged["cycle"], "loss_identity": logged["identity"],
                "loss_D": loss_d.item()}

    def extra_state(self):
        return {**super().extra_state(), **{f"pool_{k}": p.state() for k, p in self.pools.items()}}

    def load_extra_state(self, state):
        super().load_extra_state(state)
        for k, p in self.pools.items():
            p.load_state(state[f"pool_{k}"])
