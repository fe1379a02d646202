"""nn.filters: the Laplacian pyramid (shared by the SWD metric and the band palette loss) loses nothing."""
import torch
import torch.nn.functional as F

from styleforge.nn.filters import binomial_blur, laplacian_pyramid


def test_laplacian_pyramid_reconstructs_the_image():
    g = torch.Generator().manual_seed(0)
    x = F.interpolate(torch.rand(2, 3, 4, 4, generator=g) * 2 - 1, size=(32, 32), mode="bicubic", align_corners=False)
    x = x + 0.1 * torch.randn(2, 3, 32, 32, generator=g)  # fine detail too, so every band holds something
    bands = laplacian_pyramid(x, 3)
    assert [b.shape[-1] for b in bands] == [32, 16, 8]
    assert all(b.abs().mean() > 1e-3 for b in bands)
    rebuilt = bands[-1]
    for band in reversed(bands[:-1]):
        rebuilt = band + binomial_blur(F.interpolate(rebuilt, scale_factor=2, mode="nearest"))
    assert torch.allclose(rebuilt, x, atol=1e-5)
