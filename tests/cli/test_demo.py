"""The README's main job: `styleforge demo` stylises bundled sample photos with the bundled Monet style."""
from PIL import Image

from styleforge.cli import main
from styleforge.imageio import read_image, to_tensor
from styleforge.inference import bundled_styles
from styleforge.metrics.image_quality import ssim


def test_monet_and_vangogh_styles_are_bundled_and_small():
    styles = bundled_styles()
    for name in ("monet", "vangogh"):
        assert name in styles
        size = sum(f.stat().st_size for f in styles[name].iterdir())
        assert size < 10 * 2**20, (name, size)  # issue #19: each <= 10 MB


def test_demo_writes_a_real_before_after(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path)]) == 0
    assert "before | after" in capsys.readouterr().out
    grid = Image.open(tmp_path / "before_after.png")
    assert grid.width > 2 * grid.height
    for name in ("grace_hopper", "terrain"):
        before, after = to_tensor(read_image(tmp_path / f"{name}.png")), to_tensor(read_image(tmp_path / f"{name}_monet.png"))
        assert before.shape == after.shape
        change = (after - before).abs().mean().item()
        assert change > 0.03, f"{name}: the style changed almost nothing ({change:.4f})"
        assert ssim(after[None], before[None]).item() > 0.4, f"{name}: content lost"


def test_gan_demo_still_available(tmp_path, capsys):
    assert main(["demo", "--gan", "--steps", "5", "--out", str(tmp_path)]) == 0
    assert list((tmp_path / "runs").glob("*/samples/*.png"))
