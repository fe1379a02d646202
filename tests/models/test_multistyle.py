"""The multi-style generator: conditioning changes the output per style, mixing interpolates style codes
(endpoints are the pure styles, small weight changes give small output changes), identity at init."""
import torch

from styleforge.models import DISCRIMINATORS, GENERATORS


def _generator(styles=3, seed=0):
    torch.manual_seed(seed)
    g = GENERATORS.create("light_multi", styles=styles, base_channels=8, blocks=1)
    with torch.no_grad():  # as if trained: a non-zero head and distinct style codes
        g.head.weight.normal_(0, 0.2)
        g.codes.normal_(0, 0.5)
    return g.eval()


def _photos():
    return torch.rand(2, 3, 32, 32, generator=torch.Generator().manual_seed(1)) * 2 - 1


def test_untrained_generator_is_the_identity_for_every_style():
    g = GENERATORS.create("light_multi", styles=3)
    x = _photos()
    for s in range(3):
        assert (g(x, torch.eye(3)[s]) - x).abs().max() < 2e-3


def test_each_style_gives_a_different_output():
    g, x = _generator(), _photos()
    outs = [g(x, torch.eye(3)[s]) for s in range(3)]
    for i in range(3):
        for j in range(i + 1, 3):
            assert (outs[i] - outs[j]).abs().mean() > 0.02


def test_mixing_endpoints_are_the_pure_styles_and_select_matches():
    g, x = _generator(), _photos()
    pure = g(x, torch.eye(3)[1])
    assert torch.equal(g(x, torch.tensor([0.0, 1.0, 0.0])), pure)
    g.select([0, 5, 0])  # normalised to one-hot
    assert torch.equal(g(x), pure)
    half = g(x, torch.tensor([0.5, 0.5, 0.0]))
    mean_code = g.codes[:2].mean(0, keepdim=True)
    assert torch.allclose(half, g(x, torch.ones(1), codes=mean_code), atol=1e-6)


def test_small_weight_changes_give_small_output_changes():
    g, x = _generator(), _photos()
    path = [g(x, torch.tensor([1 - t, t, 0.0])) for t in torch.linspace(0, 1, 21)]
    steps = torch.stack([(b - a).abs().mean() for a, b in zip(path, path[1:])])
    total = (path[-1] - path[0]).abs().mean()
    # 20 steps of 0.05: each moves the output by a small, even share of the whole path
    assert steps.max() < 0.15 * total and steps.max() < 3 * steps.min()


def test_style_aware_discriminator_has_a_head_per_style():
    torch.manual_seed(0)
    d = DISCRIMINATORS.create("patchgan_multi", styles=3, base_channels=8, layers=2)
    x = torch.rand(4, 3, 32, 32)
    out = d(x, torch.tensor([0, 1, 2, 0]))
    full = d.body(x)
    assert out.shape == (4, 1, *full.shape[2:])
    assert torch.equal(out[1, 0], full[1, 1]) and torch.equal(out[2, 0], full[2, 2])
