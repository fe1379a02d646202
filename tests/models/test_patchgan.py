"""PatchGAN options: the high-frequency input band."""
import torch
import torch.nn.functional as F

from styleforge.models import DISCRIMINATORS
from styleforge.models.discriminators.patchgan import high_frequencies


def test_high_frequencies_vanish_on_smooth_images_and_keep_fine_detail():
    ramp = torch.linspace(-1, 1, 16).view(1, 1, 1, 16).expand(2, 3, 16, 16)
    assert high_frequencies(torch.full((2, 3, 16, 16), 0.3)).abs().max() < 1e-6
    assert high_frequencies(ramp)[..., 1:-1].abs().max() < 1e-5  # linear: the box mean is the centre value
    checker = (torch.arange(16).view(1, 16) + torch.arange(16).view(16, 1)) % 2 * 2.0 - 1
    assert high_frequencies(checker.expand(1, 3, 16, 16)).abs().mean() > 0.8


def _textures(n: int, generator: torch.Generator) -> torch.Tensor:
    """(n, 3, 32, 32): smooth colour fields plus fine grain of amplitude 0.08."""
    smooth = F.interpolate(torch.randn(n, 3, 4, 4, generator=generator), size=32, mode="bilinear") * 0.5
    return (smooth + 0.08 * torch.randn(n, 3, 32, 32, generator=generator)).clamp(-1, 1)


def test_highpass_patchgan_learns_to_spot_slight_smoothing():
    """Real = the textures after a 3x3 box blur, fake = the textures: a 0.05-RMS difference that a
    trained D with the high-frequency band separates patch by patch."""
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(0)
    d = DISCRIMINATORS.create("patchgan", channels=3, base_channels=16, layers=2, norm="none", highpass=5.0)
    assert d.body[0].in_channels == 6
    blur = lambda x: F.avg_pool2d(F.pad(x, (1, 1, 1, 1), mode="reflect"), 3, 1)  # noqa: E731
    opt = torch.optim.Adam(d.parameters(), 2e-4, betas=(0.5, 0.999))
    for _ in range(150):
        x = _textures(8, g)
        loss = (d(blur(x)) - 1).pow(2).mean() + d(x).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        x = _textures(32, g)
        accuracy = ((d(blur(x)) > 0.5).float().mean() + (d(x) < 0.5).float().mean()) / 2
    assert accuracy > 0.9
