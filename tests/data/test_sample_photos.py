"""The built-in content set: generated landscape scenes, reproducible from a seed, each different, each with
a sky above and darker, greener or browner ground below (not a portrait, not a colour field)."""
import numpy as np

from styleforge.data.sample_photos import landscape, write_content_crops


def test_generated_landscapes_are_reproducible_varied_and_landscape_like(tmp_path):
    scenes = [landscape(96, seed) for seed in range(12)]
    assert np.array_equal(scenes[0], landscape(96, 0))
    for a in range(len(scenes)):
        for b in range(a):
            assert np.abs(scenes[a].astype(int) - scenes[b]).mean() > 8  # no two alike
    for img in scenes:
        sky, ground = img[:20].astype(float), img[-25:].astype(float)
        assert img.shape == (96, 96, 3) and img.std() > 20  # structure, not a flat colour
        assert sky.mean() > ground.mean() + 20  # bright sky over darker land
        assert sky[..., 2].mean() > ground[..., 2].mean()  # bluer above than below
    folder = write_content_crops(tmp_path / "content", 5, 64)
    assert len(list(folder.glob("landscape_*.png"))) == 5
