"""Few-shot augmentation (DiffAugment under ADA) reaches the discriminator's inputs only, and ADA's
probability follows the discriminator's overfitting signal."""
import torch

from styleforge import load_config
from styleforge.recipes import build_recipe
from styleforge.training.stepper import Stepper


def _recipe(extra=()):
    config = load_config("fewshot", ["data.image_size=32", "data.load_size=36", *extra], recipe="fastcut")
    torch.manual_seed(0)
    return build_recipe(config, 3)


def _stepper(recipe):
    return Stepper({k: torch.optim.Adam(p, lr=lr) for k, (p, lr) in recipe.optimizer_groups().items()})


def test_augmentation_reaches_the_discriminator_only():
    recipe = _recipe(["augment.ada_target=0"])  # ADA off: every discriminator input is augmented
    seen = {"G": [], "D": []}
    for name in ("G", "D"):
        recipe.networks[name].register_forward_pre_hook(lambda m, args, n=name: seen[n].append(args[0].detach()))
    batch = {"content": torch.rand(4, 3, 32, 32) * 2 - 1, "style": torch.rand(4, 3, 32, 32) * 2 - 1}
    recipe.training_step(batch, _stepper(recipe))
    assert any(torch.equal(x, batch["content"]) for x in seen["G"])  # G sees the photos as they are
    assert all(not torch.equal(x, batch["style"]) for x in seen["D"])  # D never sees an unaugmented image
    assert all(x.shape == (4, 3, 32, 32) for x in seen["D"])


def test_ada_probability_follows_discriminator_overfitting():
    recipe = _recipe(["augment.ada_target=0.6", "augment.ada_speed=0.1"])
    assert recipe.ada_p.item() == 0.0
    x = torch.rand(6, 3, 32, 32) * 2 - 1
    assert torch.equal(recipe.augment(x), x)  # p = 0: nothing is augmented yet
    for _ in range(5):  # D sure of every real image: r = 1 > 0.6
        recipe.observe_real(torch.full((6, 1, 4, 4), 1.0))
    assert abs(recipe.ada_p.item() - 0.5) < 1e-6
    for _ in range(10):  # D unsure: r = -1 < 0.6
        recipe.observe_real(torch.full((6, 1, 4, 4), 0.0))
    assert recipe.ada_p.item() == 0.0
    recipe.ada_p = torch.tensor(1.0)
    assert not torch.equal(recipe.augment(x), x)
    state = recipe.extra_state()
    fresh = _recipe(["augment.ada_target=0.6"])
    fresh.load_extra_state(state)
    assert fresh.ada_p.item() == 1.0
