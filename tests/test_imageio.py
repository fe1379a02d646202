import io

import numpy as np
import pytest
import torch
from PIL import Image

from styleforge.errors import ImageReadError
from styleforge.imageio import load_tensor, make_grid, open_image, read_image, save_image, to_tensor, to_uint8


def _save(path, im, **kw):
    im.save(path, **kw)
    return path


def test_uint8_tensor_round_trip_is_exact():
    arr = np.random.default_rng(0).integers(0, 256, (5, 7, 3), dtype=np.uint8)
    t = to_tensor(arr)
    assert t.shape == (3, 5, 7) and t.min() >= -1 and t.max() <= 1
    assert np.array_equal(to_uint8(t), arr)


@pytest.mark.parametrize("mode", ["L", "LA", "P", "RGBA", "CMYK", "I;16", "1"])
def test_modes_become_rgb(tmp_path, mode):
    im = Image.new("RGB", (6, 4), (200, 100, 50)).convert(mode if mode != "I;16" else "L")
    if mode == "I;16":
        im = Image.fromarray(np.full((4, 6), 40000, np.uint16))
    suffix = ".jpg" if mode == "CMYK" else (".tif" if mode == "I;16" else ".png")
    path = _save(tmp_path / f"x{suffix}", im)
    out = open_image(path)
    assert out.mode == "RGB" and out.size == (6, 4)
    if mode == "I;16":
        assert abs(int(np.asarray(out)[0, 0, 0]) - round(40000 / 257)) <= 1


def test_alpha_is_composited_on_background(tmp_path):
    path = _save(tmp_path / "a.png", Image.new("RGBA", (2, 2), (255, 0, 0, 0)))
    assert tuple(np.asarray(open_image(path, background="white"))[0, 0]) == (255, 255, 255)
    assert tuple(np.asarray(open_image(path, background="black"))[0, 0]) == (0, 0, 0)


def test_exif_orientation_is_applied(tmp_path):
    im = Image.new("RGB", (8, 4), (0, 0, 0))
    im.paste((255, 255, 255), (0, 0, 2, 4))  # white band on the left
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 CW to display
    path = tmp_path / "r.jpg"
    im.save(path, exif=exif, quality=100)
    out = np.asarray(open_image(path))
    assert out.shape[:2] == (8, 4)  # width and height swapped
    assert out[:2].mean() > 200 and out[-2:].mean() < 50  # left band now on top


@pytest.mark.parametrize("content, reason", [
    (b"", "empty"),
    (b"not an image at all", "not an image"),
])
def test_bad_files_raise_naming_the_file(tmp_path, content, reason):
    path = tmp_path / "bad.jpg"
    path.write_bytes(content)
    with pytest.raises(ImageReadError, match=reason) as info:
        open_image(path)
    assert "bad.jpg" in str(info.value)


def test_truncated_jpeg_raises(tmp_path):
    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(buf, "JPEG")
    path = tmp_path / "cut.jpg"
    path.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    with pytest.raises(ImageReadError, match="cut.jpg"):
        open_image(path)


def test_pixel_limit_refuses_bombs(tmp_path):
    path = _save(tmp_path / "big.png", Image.new("L", (300, 300)))
    with pytest.raises(ImageReadError, match="exceeds the limit"):
        open_image(path, max_pixels=10_000)


def test_missing_file(tmp_path):
    with pytest.raises(ImageReadError, match="not found"):
        read_image(tmp_path / "nope.png")


def test_save_and_load_png_is_lossless(tmp_path):
    t = to_tensor(np.random.default_rng(1).integers(0, 256, (9, 11, 3), dtype=np.uint8))
    path = save_image(t, tmp_path / "o.png")
    assert torch.equal(load_tensor(path), t)
    assert not list(tmp_path.glob(".*tmp*"))  # no temporary file left behind


def test_grid_layout():
    grid = make_grid(torch.zeros(5, 3, 4, 4), columns=3, padding=1)
    assert grid.shape == (3, 2 * 5 + 1, 3 * 5 + 1)


def test_labelled_grid_names_each_column_above_the_images():
    import torch

    from styleforge.imageio import labelled_grid, make_grid

    images = torch.full((8, 3, 32, 32), -1.0)  # black cells
    grid = labelled_grid(images, ["photo", "styled"])
    plain = make_grid(images, 2)  # 4 pairs of 32 px: one pair a row is the nearest to square
    assert grid.shape[1] == plain.shape[1] + 16 and grid.shape[2] == plain.shape[2]
    band = grid[:, :16]
    assert (band < 0).any() and (band > 0.9).float().mean() > 0.7  # dark text on white
    assert torch.equal(grid[:, 16:], plain)
