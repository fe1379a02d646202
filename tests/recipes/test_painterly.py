"""The painterly recipe: it learns a texture no filter makes, and a killed run resumes exactly."""
from __future__ import annotations

import pytest
import torch

from styleforge import load_config, train
from styleforge.inference import Stylizer
from styleforge.metrics.ground_truth import prepare_split
from styleforge.metrics.swd import swd
from styleforge.run_folder import read_status
from styleforge.training.checkpoint import load_checkpoint

SMALL = ["model.generator_args={base_channels: 16, blocks: 2, noise_channels: 1, output: residual}",
         "model.discriminator_args={width: 16, mix_channels: 16}", "train.batch_size=4", "train.minutes=0",
         "data.holdout_fraction=0", "data.style_limit=0", "train.sample_every=100000", "train.log_every=5"]


class _Kill(RuntimeError):
    pass


def _config(split, steps: int, overrides: list[str], size: int = 64, load_size: int | None = None):
    return load_config("default", SMALL + overrides + [
        f"data.style={split.style_dir}", f"data.content={split.content_dir}", f"data.image_size={size}",
        f"data.load_size={load_size or size}", f"train.steps={steps}"], recipe="painterly")


@pytest.mark.parametrize("kill", [3, 9])  # while gathering the style statistics / while training
def test_a_killed_painterly_run_resumes_to_the_same_weights(kill, photo_dir, quiet_overrides, tmp_path):
    split = prepare_split(photo_dir, "stippling", tmp_path / "data", size=48, train_images=24, test_images=2)
    overrides = quiet_overrides + ["painterly.gather_images=16", "train.checkpoint_every=2", "data.image_size=32",
                                   "painterly.palette_weight=1", "painterly.band_palette_weight=1",
                                   "painterly.colour_weight=1", "painterly.coarse_weight=1",  # every gathered
                                   # statistic (both palettes, both extra views), and G's fitted colour map:
                                   "model.generator_args={base_channels: 16, blocks: 2, noise_channels: 1, "
                                   "output: residual, palette: true}"]
    phases = []
    straight = train(_config(split, 12, overrides, size=48),
                     callbacks=[lambda trainer, step, losses: phases.append(read_status(trainer.run_dir)["phase"])])
    # what status.json (the web app's progress) said during each step: 16 style crops gathered in 4 steps of 4
    assert phases == ["gathering statistics"] * 4 + ["training"] * 8

    def kill_at(trainer, step, losses):
        if step == kill:
            raise _Kill(step)
    with pytest.raises(_Kill):
        train(_config(split, 12, overrides, size=48), callbacks=[kill_at])
    interrupted = sorted((tmp_path / "runs").iterdir())[-1]
    resumed = train(None, resume=interrupted)
    a, b = load_checkpoint(straight), load_checkpoint(resumed)
    assert a["step"] == b["step"] == 12
    for name in ("G", "D", "P", "palette", "moments_content", "moments_style"):
        assert a["networks"][name].keys() == b["networks"][name].keys()
        for key, value in a["networks"][name].items():
            assert torch.equal(value, b["networks"][name][key]), (name, key)
    assert not any(k.startswith("_frozen") for k in a["networks"]["D"])  # the pretrained nets stay out
    assert a["networks"]["P"]["count"] == 16 and a["networks"]["palette"]["filled"] > 0
    assert a["networks"]["P"]["pool_colour_relu1_2"].abs().sum() > 0  # the colour view's reservoir, gathered
    # the colour map was fitted when gathering ended (16 style and 16 content crops of 48 px) and is in the export
    assert a["networks"]["moments_style"]["pixels"] == 16 * 48 * 48  # 48 px crops
    assert not torch.equal(a["networks"]["G"]["palette.target_mean"], torch.zeros(3))
    exported = Stylizer.from_pretrained(straight).generator.palette
    assert torch.equal(exported.scale, a["networks"]["G"]["palette.scale"])


def test_painterly_learns_a_stippled_texture(photo_dir, quiet_overrides, tmp_path):
    """Stippling (metrics.texture_operators) at 96 px, trained on 48 px crops: after 300 steps the outputs' SWD
    to the true stippled photos (other photos than the ones scored: unpaired) is well below the identity's.
    Measured (AMD EPYC Zen 3, 2026-12-03, 1 thread as the suite's workers run), model / identity SWD: 0.22 and
    0.32 at seeds 0 and 1 (~140 s each); at 220 steps 0.60 and 0.54 (the texture comes late). On 64 px crops
    (the test until 2026-12-03, ~200 s there), on an AMD EPYC Zen 5 at seeds 0-3, lr 1e-3: 0.32, 0.34, 0.33,
    0.30 with 2 threads, 0.32, 0.35, 0.39, 0.30 with 1. At lr 2e-3 the same seeds gave 0.29, 0.28, 0.32, 0.23
    with 2 threads but 0.52, 0.28, 0.30, 0.59 with 1: too fast to hold on every thread count. The tanh output
    at 2e-3 gave 0.27, 0.91, 0.44, 1.61 (why painterly uses residual).
    Those figures are of the gram style loss, which this test keeps (the preset's SWD loss costs more per
    step; the resume test above runs it).
    The divergence guard is off here: at this fast lr (a short test) its rollbacks, which halve the lr, would
    make the figure depend on when one fires (tests/recipes/test_guard.py tests the guard)."""
    split = prepare_split(photo_dir, "stippling", tmp_path / "data", size=96, train_images=120, test_images=24)
    config = _config(split, 300, quiet_overrides + ["painterly.gather_images=32", "train.checkpoint_every=100000",
                                                      "train.lr_generator=0.001", "painterly.guard=0",
                                                      "painterly.style_loss=gram"],
                     size=48, load_size=96)
    run = train(config)
    with torch.no_grad():
        out = Stylizer.from_pretrained(run)(split.test_photos)
    half = len(out) // 2
    model = swd(out[:half], split.test_truth[half:])["swd"]
    identity = swd(split.test_photos[:half], split.test_truth[half:])["swd"]
    assert model < 0.5 * identity, (model, identity)
