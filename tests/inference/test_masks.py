"""Masks: exact outside the feathered band, smooth inside it; through the CLI with a protected rectangle."""
import numpy as np
import pytest
from PIL import Image

from styleforge.cli import main
from styleforge.errors import StyleforgeError
from styleforge.inference.masks import apply_mask, feather, load_mask, rect_mask
from styleforge.models import GENERATORS, save_pretrained


def test_mask_is_exact_outside_the_feather_band():
    rng = np.random.default_rng(0)
    original = rng.integers(0, 256, (60, 80, 3), dtype=np.uint8)
    styled = rng.integers(0, 256, (60, 80, 3), dtype=np.uint8)
    radius = 3
    mask = feather(rect_mask(60, 80, "20,10,30,25"), radius)  # keep x 20..49, y 10..34
    out = apply_mask(original, styled, mask)
    band = 2 * radius
    inner = (slice(10 + band, 35 - band), slice(20 + band, 50 - band))
    assert np.array_equal(out[inner], original[inner])
    assert np.array_equal(out[:10 - band], styled[:10 - band]) and np.array_equal(out[:, 50 + band:], styled[:, 50 + band:])
    row = mask[22, 20 - band:20 + band]
    assert np.all(np.diff(row) <= 0) and 0 < row[band] < 1  # a monotone ramp across the edge


def test_mask_file_is_resized_and_bad_rectangles_fail(tmp_path):
    Image.fromarray(np.tile(np.array([0, 255], np.uint8), (4, 2))).save(tmp_path / "m.png")  # 4x4: left black
    m = load_mask(tmp_path / "m.png", 8, 8)
    assert m.shape == (8, 8) and m[:, 0].max() < 0.5 and m[:, -1].min() > 0.5
    with pytest.raises(StyleforgeError, match="X,Y,W,H"):
        rect_mask(8, 8, "1,2,3")


def test_stylize_cli_keeps_the_protected_rectangle(tmp_path, capsys):
    g = GENERATORS.create("light", base_channels=8, blocks=1)
    g.head.bias.data.fill_(0.8)  # a strong, uniform "style"
    save_pretrained(g.eval(), tmp_path / "model", metadata={"task": "image"})
    rng = np.random.default_rng(1)
    photo = rng.integers(0, 200, (64, 96, 3), dtype=np.uint8)
    Image.fromarray(photo).save(tmp_path / "in.png")
    assert main(["stylize", "--model", str(tmp_path / "model"), "--input", str(tmp_path / "in.png"), "--output",
                 str(tmp_path / "out.png"), "--keep-rect", "30,20,40,30", "--feather", "2"]) == 0
    out = np.asarray(Image.open(tmp_path / "out.png"))
    assert np.array_equal(out[24:46, 34:66], photo[24:46, 34:66])
    assert np.abs(out[:10].astype(int) - photo[:10]).mean() > 20


def test_stylize_keeps_size_and_the_icc_profile(tmp_path):
    from PIL import ImageCms

    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    g = GENERATORS.create("light", base_channels=8, blocks=1)
    save_pretrained(g.eval(), tmp_path / "model", metadata={"task": "image"})
    Image.fromarray(np.full((30, 45, 3), 100, np.uint8)).save(tmp_path / "in.jpg", icc_profile=icc, quality=95)
    for out in ("out.jpg", "out.png", "out.tif"):
        assert main(["stylize", "--model", str(tmp_path / "model"), "--input", str(tmp_path / "in.jpg"),
                     "--output", str(tmp_path / out)]) == 0
        with Image.open(tmp_path / out) as im:
            assert im.size == (45, 30) and im.info.get("icc_profile") == icc
