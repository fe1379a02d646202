"""The `filters` recipe (issue #9, target 2): the white-box filter chain, fitted by matching filter
statistics, learns the two ground-truth styles that the adversarial recipes do not (cartoon, oil paint)
and a colour grade (whose colour fit the search must prefer to smoothing), on a 64 px ground-truth split
(400 content photos, 400 other photos through the operator); and it resumes exactly."""
import pytest
import torch

from styleforge import load_config, train
from styleforge.cli.train_cmd import fit_warning
from styleforge.inference import Stylizer
from styleforge.metrics.ground_truth import evaluate, prepare_split
from styleforge.models import read_model_config
from styleforge.training.checkpoint import load_checkpoint

SMALL = ["filters.select_every=10", "filters.search_batches=6", "filters.colour_steps=30",
         "train.seed=0"]


def _config(split, steps, overrides):
    return load_config("quick", SMALL + overrides + [
        f"data.style={split.style_dir}", f"data.content={split.content_dir}", "data.image_size=64",
        "data.load_size=64", "data.holdout_fraction=0", f"train.steps={steps}"], recipe="filters")


@pytest.mark.parametrize("operator", [pytest.param("oil_paint", marks=pytest.mark.slow), "cartoon",
                                      pytest.param("film_grade", marks=pytest.mark.slow)])
def test_filters_recipe_beats_the_identity_by_two_db(operator, photo_dir, quiet_overrides, tmp_path):
    split = prepare_split(photo_dir, operator, tmp_path / "data", size=64, train_images=400, test_images=100)
    torch.manual_seed(0)
    run = train(_config(split, 70, quiet_overrides))
    rows = evaluate(split, Stylizer.from_pretrained(run))
    identity, model = rows["identity"]["psnr"], rows["model"]["psnr"]
    print(f"{operator}: model {model:.2f} dB vs identity {identity:.2f} dB")
    assert model >= identity + 2.0, f"model {model:.2f} dB vs identity {identity:.2f} dB"
    assert fit_warning(read_model_config(run / "export")["metadata"]) is None  # a filter style: no warning


@pytest.mark.slow
def test_a_style_with_brush_strokes_gets_the_cannot_express_warning(photo_dir, quiet_overrides, tmp_path):
    """Measured (64 px, 70 steps, 1 thread): the fit leaves 0.47 of the photo's distance on brush strokes."""
    split = prepare_split(photo_dir, "brush_strokes", tmp_path / "data", size=64, train_images=400, test_images=4)
    run = train(_config(split, 70, quiet_overrides))
    warning = fit_warning(read_model_config(run / "export")["metadata"])
    assert warning is not None and "painterly" in warning


class _Kill(RuntimeError):
    pass


@pytest.mark.parametrize("every, kill", [(5, 8), pytest.param(15, 25, marks=pytest.mark.slow)])  # resumed while gathering / after the search
def test_a_killed_filters_run_resumes_to_the_same_weights(every, kill, photo_dir, quiet_overrides, tmp_path):
    split = prepare_split(photo_dir, "oil_paint", tmp_path / "data", size=64, train_images=40, test_images=4)
    overrides = quiet_overrides + ["filters.pool_batches=12", "filters.search_batches=2",
                                   "filters.samples=2048", "filters.colour_steps=5",
                                   f"train.checkpoint_every={every}", "train.batch_size=4"]
    straight = train(_config(split, 30, overrides))

    def kill_at(trainer, step, losses):
        if step == kill:
            raise _Kill(step)
    with pytest.raises(_Kill):
        train(_config(split, 30, overrides), callbacks=[kill_at])
    interrupted = sorted((tmp_path / "runs").iterdir())[-1]
    resumed = train(None, resume=interrupted)
    a, b = load_checkpoint(straight), load_checkpoint(resumed)
    for name in ("G", "G_best"):
        for key, value in a["networks"][name].items():
            assert torch.equal(value, b["networks"][name][key]), (name, key)
