"""The Projected GAN discriminator's pixel branch (models/discriminators/projected.py, pixel_width > 0)."""
import torch

from styleforge.losses import get_adversarial_loss
from styleforge.models import DISCRIMINATORS


def _smooth(n: int, generator: torch.Generator) -> torch.Tensor:
    """(n, 3, 64, 64) smooth random images in [-1, 1]: 8x8 noise, bilinearly upsampled."""
    small = torch.rand(n, 3, 8, 8, generator=generator) * 1.6 - 0.8
    return torch.nn.functional.interpolate(small, size=64, mode="bilinear", align_corners=False)


def test_the_pixel_branch_adds_pooled_patch_logits_and_nothing_else_changes():
    plain = DISCRIMINATORS.create("projected", width=8, mix_channels=8, seed=3)
    both = DISCRIMINATORS.create("projected", width=8, mix_channels=8, seed=3, pixel_width=8)
    both.load_state_dict(plain.state_dict(), strict=False)  # the same feature heads
    x = torch.rand(2, 3, 128, 128) * 2 - 1
    with torch.no_grad():
        a, b = plain(x), both(x)
    assert b.shape == (2, a.shape[1] + 64)  # the pixel branch's logits, pooled to 8x8
    assert torch.allclose(b[:, : a.shape[1]], a)
    assert any(k.startswith("pixel.") for k in both.state_dict())
    assert not any(k.startswith("pixel.") for k in plain.state_dict())


def test_the_pixel_branch_learns_a_pixel_level_speckle():
    """Trained with the hinge loss to tell smooth images from the same images with a fine speckle
    (+-0.08 per pixel), the pixel branch's own logits come to separate them: it is wired into the loss."""
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(0)
    d = DISCRIMINATORS.create("projected", width=8, mix_channels=8, pixel_width=8)
    loss = get_adversarial_loss("hinge")
    opt = torch.optim.Adam(d.parameters(), lr=1e-3, betas=(0.5, 0.99))

    def speckle(x):
        return (x + 0.08 * torch.sign(torch.randn(x.shape, generator=g))).clamp(-1, 1)

    def gap() -> float:
        x = _smooth(16, torch.Generator().manual_seed(99))
        with torch.no_grad():
            real, fake = d(x)[:, -64:], d(speckle(x))[:, -64:]
        return (real.mean() - fake.mean()).item()

    before = gap()
    for _ in range(40):
        x = _smooth(8, g)
        opt.zero_grad()
        loss.discriminator_loss(d(x), d(speckle(x))).backward()
        opt.step()
    after = gap()
    assert after > before + 0.5, (before, after)
