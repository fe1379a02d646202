"""The set-to-set colour map: fitted from two sets' YCbCr moments, it moves one set's colours onto the other's."""
import torch

from styleforge.nn.color import ColourMatch, ColourMoments, rgb_to_ycc


def _sets():
    g = torch.Generator().manual_seed(0)
    photos = (torch.rand(6, 3, 16, 16, generator=g) * 1.2 - 0.8).clamp(-1, 1)  # darkish, neutral
    tint = torch.tensor([0.3, 0.1, -0.2]).view(1, 3, 1, 1)
    paintings = (torch.rand(6, 3, 16, 16, generator=g) * 0.8 - 0.4 + tint).clamp(-1, 1)  # lighter, warm, flatter
    return photos, paintings


def test_the_fitted_map_gives_the_source_set_the_targets_means_and_chroma_spread():
    photos, paintings = _sets()
    source, target = ColourMoments(), ColourMoments()
    for chunk in photos.split(2):  # moments add up over batches
        source.add(chunk)
    target.add(paintings)
    match = ColourMatch()
    assert torch.allclose(match(photos), photos, atol=1e-5)  # the identity until fitted
    match.fit(source, target)
    moved = rgb_to_ycc(match(photos))
    want = rgb_to_ycc(paintings)
    assert torch.allclose(moved.mean((0, 2, 3)), want.mean((0, 2, 3)), atol=1e-4)
    assert torch.allclose(moved.std((0, 2, 3))[1:], want.std((0, 2, 3))[1:], rtol=1e-2)  # chroma spread
    assert torch.allclose(moved.std((0, 2, 3))[0], rgb_to_ycc(photos).std((0, 2, 3))[0], rtol=1e-3)  # detail kept
    # one map for the whole set: the darker of two photos stays the darker one
    lum = moved[:, 0].mean((1, 2))
    assert torch.equal(lum.argsort(), rgb_to_ycc(photos)[:, 0].mean((1, 2)).argsort())


def test_moments_before_any_image_are_an_error():
    import pytest

    with pytest.raises(RuntimeError, match="add"):
        ColourMoments().mean_std()
