"""The fixed filter-statistics critic: shapes, the shift loss, and that it tells filters apart."""
import torch

from styleforge.losses.statistics import FilterResponses, quantile_shift_loss, sorted_samples
from styleforge.nn import box_blur


def _textures(n, seed, size=40):
    g = torch.Generator().manual_seed(seed)
    coarse = torch.nn.functional.interpolate(torch.rand(n, 3, size // 4, size // 4, generator=g), size=size,
                                             mode="bilinear", align_corners=False)
    return (0.6 * coarse + 0.4 * torch.rand(n, 3, size, size, generator=g)) * 2 - 1


def test_responses_have_the_documented_shape_and_are_seeded():
    critic = FilterResponses(directions=4, trim=3)
    x = _textures(2, 0)
    out = critic(x)
    assert out.shape == (2, critic.channels, 34, 34) and critic.channels == 20
    assert torch.equal(out, FilterResponses(directions=4, trim=3)(x))


def test_the_shift_loss_is_zero_when_the_output_moves_as_the_target_says():
    q_in = torch.randn(5, 100).sort(1).values
    shift = torch.linspace(0, 1, 100).expand(5, -1)
    scale = torch.full((5,), 0.5)
    assert quantile_shift_loss(q_in + shift, q_in, shift, scale) < 1e-12
    assert torch.isclose(quantile_shift_loss(q_in + shift + 0.5, q_in, shift, scale), torch.tensor(1.0))


def test_the_critic_prefers_the_blur_that_made_the_style():
    """Style = box blur (r = 2) of other images than the content; of the blurs r = 0..3 applied to the
    content, r = 2 matches the style's shift of the quantiles best."""
    critic = FilterResponses(directions=8, trim=3)
    content, style = _textures(24, 1), box_blur(_textures(24, 2), 2)
    index = torch.randint(24 * 34 * 34, (8192,), generator=torch.Generator().manual_seed(3))
    q = lambda x: sorted_samples(critic(x), index)  # noqa: E731
    q_content = q(content)
    target, scale = q(style) - q_content, torch.ones(critic.channels)
    losses = [quantile_shift_loss(q(box_blur(content, r) if r else content), q_content, target, scale).item()
              for r in range(4)]
    assert min(range(4), key=losses.__getitem__) == 2, losses
