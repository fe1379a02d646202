"""The evaluation report's helpers: nearest style images that do not all repeat one painting, directions."""
import torch

from styleforge.metrics import c2st as _c2st  # noqa: F401  (registers the metrics the helpers read)
from styleforge.metrics import evaluate as _evaluate  # noqa: F401
from styleforge.metrics.c2st import wilson_interval
from styleforge.metrics.report import compared, nearest_style, verdict


def test_nearest_style_images_are_spread_over_the_set():
    flat = torch.zeros(1, 3, 32, 32)  # a flat grey painting: the nearest in pixels to every output
    others = torch.rand(5, 3, 32, 32, generator=torch.Generator().manual_seed(0)) * 2 - 1
    outputs = torch.rand(10, 3, 32, 32, generator=torch.Generator().manual_seed(1)) * 0.2 - 0.1
    chosen = nearest_style(outputs, torch.cat([flat, others]))
    assert torch.bincount(chosen, minlength=6).max() <= 2  # ceil(10 / 6): the flat one no longer takes all
    assert (chosen == 0).sum() == 2  # and it is still used where it is nearest


def test_comparisons_follow_each_metrics_direction():
    model, identity = {"swd": 10.0, "ssim": 0.7, "c2st_n": 18.0}, {"swd": 20.0, "ssim": 1.0, "c2st_n": 18.0}
    assert compared(model, identity) == {"swd": "better", "ssim": "worse"}  # sample sizes are not compared
    line = verdict(model, identity, {"swd": 5.0, "ssim": 0.9})
    assert "every style metric" in line and "colour transfer on 0 of 1" in line and "SSIM to the photo 0.70" in line
    assert "not learned" in verdict({"swd": 30.0}, {"swd": 20.0}, {})


def test_wilson_interval_is_wide_on_few_images():
    low, high = wilson_interval(0.6, 18)
    assert low < 0.4 and high > 0.78  # 60% on 18 images: (0.39, 0.79), cannot tell 0.5 from 0.75
    low, high = wilson_interval(0.6, 2000)
    assert 0.57 < low < 0.6 < high < 0.63
