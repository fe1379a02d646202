"""Style learning where the truth is known: CUT learns a procedural colour grade unpaired (issue #3).

The split (styleforge.metrics.ground_truth): 200 content photos, 200 *other* photos through the
`film_grade` operator as the style set, 100 held-out photos scored against operator(photo).
Output = input scores the identity baseline; the model must beat it by a clear margin.
"""
import torch

from styleforge import load_config, train
from styleforge.inference import Stylizer
from styleforge.metrics.ground_truth import evaluate, prepare_split

MARGIN_DB = 1.0


def test_cut_learns_a_film_grade_better_than_the_identity(photo_dir, quiet_overrides, tmp_path):
    split = prepare_split(photo_dir, "film_grade", tmp_path / "data", size=64, train_images=200, test_images=100)
    config = load_config("fast", quiet_overrides + [
        f"data.source={split.style_dir}", f"data.content={split.content_dir}", "data.image_size=64",
        "data.load_size=64", "data.holdout_fraction=0", "train.steps=700", "train.threads=2", "train.seed=0"],
        recipe="cut")
    torch.manual_seed(0)
    rows = evaluate(split, Stylizer.from_pretrained(train(config)))
    identity, model = rows["identity"]["psnr"], rows["model"]["psnr"]
    assert model >= identity + MARGIN_DB, f"model {model:.2f} dB vs identity {identity:.2f} dB"
    assert rows["model"]["ssim"] > rows["identity"]["ssim"]


def test_quick_preset_learns_sepia_by_two_db_over_the_identity(photo_dir, quiet_overrides, tmp_path):
    """Issue #9's bar for a fast recipe (≥ 2 dB over the identity), on a small scale: 64 px, 600 steps."""
    split = prepare_split(photo_dir, "sepia", tmp_path / "data", size=64, train_images=200, test_images=100)
    config = load_config("quick", quiet_overrides + [
        f"data.source={split.style_dir}", f"data.content={split.content_dir}", "data.image_size=64",
        "data.load_size=64", "data.holdout_fraction=0", "train.steps=600", "train.threads=2", "train.seed=0"],
        recipe="fastcut")
    torch.manual_seed(0)
    rows = evaluate(split, Stylizer.from_pretrained(train(config)))
    identity, model = rows["identity"]["psnr"], rows["model"]["psnr"]
    assert model >= identity + 2.0, f"model {model:.2f} dB vs identity {identity:.2f} dB"
