"""CycleGAN's generator step: backpropagated in parts for memory, it must still follow the documented L_G."""
import copy

import torch

from styleforge import load_config
from styleforge.losses import get_adversarial_loss, l1
from styleforge.recipes import build_recipe
from styleforge.training.stepper import Stepper


class _SeesGradients(torch.optim.SGD):
    """SGD at lr 0 that keeps a copy of each gradient it is stepped with (the Stepper frees them after)."""
    def __init__(self, params):
        super().__init__(params, lr=0.0)
        self.seen = {}

    def step(self, closure=None):
        self.seen = {p: p.grad.clone() for group in self.param_groups for p in group["params"] if p.grad is not None}
        return super().step(closure)


def test_generator_step_in_parts_equals_the_gradient_of_the_whole_loss():
    config = load_config("small", ["data.image_size=32", "model.generator_args={base_channels: 8, blocks: 2}",
                                   "model.discriminator_args={base_channels: 8, layers: 2}", "loss.identity_weight=0.5",
                                   "augment.policy="], recipe="cyclegan")
    torch.manual_seed(0)
    recipe = build_recipe(config, 3)
    n = copy.deepcopy(recipe.networks)  # the reference computes the docstring's L_G in one graph
    a, b = torch.rand(2, 3, 32, 32) * 2 - 1, torch.rand(2, 3, 32, 32) * 2 - 1
    step = Stepper({k: _SeesGradients(params) for k, (params, _) in recipe.optimizer_groups().items()})
    recipe.training_step({"content": a, "style": b}, step)

    adv, w_cyc, w_id = get_adversarial_loss(config.loss.adversarial), config.loss.cycle_weight, config.loss.identity_weight
    fake_b, fake_a = n["G"](a), n["G_ba"](b)
    total = (adv.generator_loss(n["D_b"](fake_b)) + adv.generator_loss(n["D_a"](fake_a))
             + w_cyc * (l1(n["G_ba"](fake_b), a) + l1(n["G"](fake_a), b))
             + w_cyc * w_id * (l1(n["G"](b), b) + l1(n["G_ba"](a), a)))
    total.backward()
    for name in ("G", "G_ba"):
        for (key, p), q in zip(recipe.networks[name].named_parameters(), n[name].parameters()):
            assert torch.allclose(step.optimizers["G"].seen[p], q.grad, rtol=1e-4, atol=1e-6), (name, key)
