import json
import os
import subprocess
import sys

import pytest

from styleforge.cli import main


def _run(args, capsys):
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("args, fragment", [
    (["train", "nosuchrecipe"], "unknown recipe 'nosuchrecipe'; valid names: adapter, cut, cyclegan, dcgan, distill, fastcut"),
    (["train", "dcgan", "--set", "train.stepz=1"], "unknown config key 'train.stepz'"),
    (["train", "dcgan", "--set", "train.steps=-4"], "'train.steps' must be >= 1"),
    (["train", "dcgan", "--preset", "nope"], "unknown preset 'nope'"),
    (["train", "dcgan", "--preset", "missing/file.yaml"], "preset file not found"),
    (["sample", "--model", "/no/such/run"], "model not found"),
    (["train"], "name a recipe"),
    (["train", "dcgan", "--set", "model.generator_args={base_channels: -5}"], "model.generator_args={'base_channels': -5}"),
    (["train", "dcgan", "--set", "model.generator_args={base_channels: abc}"], "cannot build the networks"),
    (["train", "dcgan", "--set", "model.generator_args=[1]"], "'model.generator_args' must be dict"),
    (["train", "dcgan", "--set", "train.lr_generator=nan"], "'train.lr_generator' must be float"),
    (["train", "dcgan", "--size", "0"], "'data.image_size' must be >= 8"),
    (["train", "cut", "--set", "model.generator=os.system"], "unknown generator 'os.system'"),
    (["train", "dcgan", "--set", "model.generator=os.system"], "the dcgan recipe trains dcgan networks"),
])
def test_errors_are_one_line_and_non_zero(args, fragment, capsys):
    code, out, err = _run(args, capsys)
    assert code == 2
    assert fragment in err and err.count("\n") == 1 and "Traceback" not in err


def test_unknown_subcommand_exits_non_zero(capsys):
    with pytest.raises(SystemExit) as info:
        main(["frobnicate"])
    assert info.value.code == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_missing_data_path_is_one_line(tmp_path, capsys):
    code, _, err = _run(["train", "dcgan", "--data", str(tmp_path / "absent.npz"), "--set", "train.progress=false",
                         "--out", str(tmp_path)], capsys)
    assert code == 2 and "not found" in err and "absent.npz" in err and err.count("\n") == 1


def test_dry_run_prints_resolved_config(capsys):
    code, out, _ = _run(["train", "dcgan", "--preset", "cifar10", "--steps", "9", "--dry-run"], capsys)
    config = json.loads(out)
    assert code == 0 and config["train"]["steps"] == 9 and config["data"]["style"] == "cifar10"


@pytest.mark.parametrize("recipe, own, others", [
    ("cut", [], [("painterly", None), ("filters", None), ("distill", None), ("multistyle", None)]),
    ("filters", [("filters", "crop")], [("painterly", None), ("adapter", None), ("distill", None), ("augment", None)]),
    ("painterly", [("painterly", "style_weight")], [("filters", None), ("adapter", None)]),
])
def test_dry_run_prints_only_the_keys_the_recipe_reads(recipe, own, others, capsys):
    code, out, _ = _run(["train", recipe, "--dry-run"], capsys)
    config = json.loads(out[out.index("{"):])
    assert code == 0 and config["train"]["steps"] >= 1 and "adversarial" in config["loss"]
    for section, key in own:
        assert key in config[section]
    for section, key in others:
        assert (section not in config) if key is None else (key not in config[section]), (section, key)


def test_train_then_sample_then_resume(tmp_path, capsys):
    base = ["train", "dcgan", "--preset", "shapes", "--steps", "4", "--out", str(tmp_path),
            "--set", "train.progress=false", "--set", "train.tensorboard=false", "--set", "train.batch_size=8"]
    code, out, _ = _run(base, capsys)
    assert code == 0
    run = next(tmp_path.iterdir())
    code, out, _ = _run(["sample", "--model", str(run), "-n", "9", "--out", str(tmp_path / "g.png")], capsys)
    assert code == 0 and (tmp_path / "g.png").is_file()
    code, out, _ = _run(["train", "--resume", str(run), "--steps", "6"], capsys)
    assert code == 0 and "from step 4" in out
    assert json.loads((run / "log.jsonl").read_text().splitlines()[-1])["step"] == 6


def test_console_script_is_installed():
    exe = os.path.join(os.path.dirname(sys.executable), "styleforge")
    result = subprocess.run([exe, "train", "nosuch"], capture_output=True, text=True)
    assert result.returncode == 2 and "unknown recipe" in result.stderr


def test_style_and_content_options_fill_the_config(tmp_path, capsys):
    code, out, _ = _run(["train", "cut", "--style", str(tmp_path / "paintings"), "--content", str(tmp_path / "photos"),
                         "--size", "96", "--dry-run"], capsys)
    assert code == 0
    config = json.loads(out[out.index("{"):])
    assert config["data"]["style"] == str(tmp_path / "paintings")
    assert config["data"]["content"] == str(tmp_path / "photos")
    assert config["data"]["image_size"] == 96 and config["data"]["load_size"] == 108
    assert config["model"]["generator"] == "light"


def test_cli_takes_ctrl_c_even_when_started_with_it_ignored(capsys):
    """A background job of a shell (`styleforge serve &`) inherits SIGINT ignored; the web app cancels
    its training processes with SIGINT, so the CLI must restore the default handler."""
    import signal

    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        assert main(["train", "dcgan", "--dry-run"]) == 0
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, before)


def test_optimize_paints_one_photo_towards_the_style_images(tmp_path, capsys):
    """`styleforge optimize` (Gatys): a few L-BFGS steps move a textured grey photo's colours towards red style images."""
    import numpy as np
    from PIL import Image

    style = tmp_path / "style"
    style.mkdir()
    rng = np.random.default_rng(0)
    for i in range(3):
        red = np.zeros((40, 40, 3), np.uint8)
        red[..., 0] = rng.integers(150, 255, (40, 40))
        Image.fromarray(red).save(style / f"{i}.png")
    grey = rng.integers(80, 176, (40, 40, 1)).repeat(3, 2).astype(np.uint8)  # a textured grey photo
    Image.fromarray(grey).save(tmp_path / "photo.png")
    args = ["optimize", "--style-images", str(style), "--input", str(tmp_path / "photo.png"),
            "--output", str(tmp_path / "out.png"), "--size", "32", "--steps", "15", "--content-weight", "0.1"]
    assert main(args) == 0
    out = np.asarray(Image.open(tmp_path / "out.png")).astype(float)
    assert out[..., 0].mean() - out[..., 2].mean() > 20  # grey (0) moved towards red
    assert "wrote" in capsys.readouterr().out
    assert main(args[:2] + [str(tmp_path / "nowhere")] + args[3:]) != 0
    assert "nowhere" in capsys.readouterr().err


def test_stylize_help_lists_only_real_formats(capsys):
    with pytest.raises(SystemExit):
        main(["stylize", "--help"])
    out = capsys.readouterr().out
    assert "{png,jpg" in out and "{," not in out


def test_train_help_lists_each_recipes_presets(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    out = capsys.readouterr().out
    assert "fastcut     fast, fewshot" in out and "(default: fast)" in out
    assert "painterly   default" in out and "dcgan       mnist, cifar10" in out


def test_the_filters_fit_warning_says_when_the_style_is_not_a_filter():
    from styleforge.cli.train_cmd import fit_warning

    assert fit_warning({"fit_loss_photo": 1148.1, "fit_loss_best": 16.5}) is None  # cartoon, measured
    warning = fit_warning({"fit_loss_photo": 31.2, "fit_loss_best": 14.6})  # brush strokes, measured
    assert "closed only 53%" in warning and "painterly" in warning
    assert fit_warning({}) is None  # other recipes' exports


@pytest.mark.parametrize("args, code, fragment", [
    (["data"], 0, "monet"),
    (["sample", "--model", "/no/such/run"], 2, "model not found"),
])
def test_a_torchrun_worker_leaves_with_its_code_and_its_output_flushed(args, code, fragment):
    # under torchrun (WORLD_SIZE > 1) the CLI leaves with os._exit, skipping the interpreter's teardown:
    # what the command printed must still arrive, and its exit code must be the command's
    env = {**{k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}, "WORLD_SIZE": "2"}
    done = subprocess.run([sys.executable, "-m", "styleforge", *args], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == code
    assert fragment in done.stdout + done.stderr
