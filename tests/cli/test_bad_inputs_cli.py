"""stylize, evaluate and train over a folder of 60+ bad and odd files: no crash, every good file
processed, every bad one reported with its reason; a bad file given alone is a one-line error."""
import json
import os

from PIL import Image

from styleforge.cli import main


def _one_line_error(capsys, argv) -> str:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse usage errors
        code = exc.code
    err = capsys.readouterr().err.strip()
    assert code != 0 and "\n" not in err and "Traceback" not in err, err
    return err


def test_stylize_folder_processes_good_files_and_lists_bad_ones(bad_corpus, tmp_path, capsys):
    folder, cases = bad_corpus
    out = tmp_path / "out"
    assert main(["stylize", "--style", "monet", "--input", str(folder), "--output", str(out)]) == 0
    printed = capsys.readouterr().out
    for case in cases:
        dest = out / case.path.relative_to(folder)
        if case.expect == "ok":
            assert dest.is_file(), case.name
            assert Image.open(dest).size == Image.open(case.path).size or "exif" in case.name, case.name
        elif case.expect == "skip":
            assert not dest.exists(), case.name
            assert f"skipped {case.path}".encode("utf-8", "backslashreplace").decode() in printed, case.name
    assert all(os.path.realpath(p).startswith(str(out.resolve())) for p in out.rglob("*"))


def test_evaluate_over_the_corpus_reports_skipped_files(bad_corpus, tmp_path, capsys):
    folder, cases = bad_corpus
    out = tmp_path / "eval"
    assert main(["evaluate", "--style-name", "monet", "--content", str(folder), "--style", str(folder),
                 "--holdout", "0", "--metrics", "swd,color", "--size", "32", "--limit", "0", "--out", str(out)]) == 0
    split = json.loads((out / "metrics.json").read_text())["split"]
    good = sum(c.expect == "ok" for c in cases)
    assert split["content_images"] == good and split["style_images"] == good
    reported = {path for path, _ in split["skipped"]}
    assert {str(c.path) for c in cases if c.expect == "skip"} <= reported


def test_training_on_the_corpus_skips_and_reports(bad_corpus, tmp_path, capsys):
    folder, cases = bad_corpus
    runs = tmp_path / "runs"
    assert main(["train", "fastcut", "--style", str(folder), "--content", str(folder), "--size", "32",
                 "--set", "train.steps=2", "--set", "train.batch_size=2", "--set", f"run.output_dir={runs}",
                 "--set", "train.progress=false", "--set", "train.tensorboard=false",
                 "--set", "train.eval_every=0", "--set", "data.holdout_fraction=0"]) == 0
    run = next(runs.iterdir())
    reports = json.loads((run / "data_report.json").read_text())
    good, bad = sum(c.expect == "ok" for c in cases), {str(c.path) for c in cases if c.expect == "skip"}
    for report in reports:
        assert report["kept"] == good
        assert bad <= {s["file"] for s in report["skipped"]}
        assert all(s["reason"] for s in report["skipped"])
    assert (run / "export" / "model.safetensors").is_file()


def test_a_bad_file_given_alone_is_a_one_line_error(bad_corpus, tmp_path, capsys):
    folder, cases = bad_corpus
    for case in cases:
        if case.expect != "skip":
            continue
        out = tmp_path / "single.png"
        err = _one_line_error(capsys, ["stylize", "--style", "monet", "--input", str(case.path), "--output", str(out)])
        assert case.path.name.encode("utf-8", "backslashreplace").decode() in err, err
        assert not out.exists()


def test_output_format_cannot_name_a_path(tmp_path, capsys):
    err = _one_line_error(capsys, ["stylize", "--style", "monet", "--input", str(tmp_path), "--output",
                                   str(tmp_path / "o"), "--format", "../../escape"])
    assert "--format" in err


def test_links_out_of_the_input_folder_write_inside_the_output_folder(tmp_path, capsys):
    outside, folder, out = tmp_path / "outside", tmp_path / "in", tmp_path / "out"
    outside.mkdir()
    folder.mkdir()
    Image.new("RGB", (20, 20), (200, 10, 10)).save(outside / "x.png")
    (folder / "linked_dir").symlink_to(outside)
    (folder / "linked_file.png").symlink_to(outside / "x.png")
    assert main(["stylize", "--style", "monet", "--input", str(folder), "--output", str(out)]) == 0
    written = sorted(str(p.relative_to(out)) for p in out.rglob("*.png"))
    assert written == ["linked_dir/x.png", "linked_file.png"]
    assert sorted(p.name for p in outside.iterdir()) == ["x.png"]


def test_resuming_from_a_checkpoint_that_would_run_code_is_refused(tmp_path, capsys):
    import pickle

    import torch

    marker = tmp_path / "payload_ran"

    class Evil:
        def __reduce__(self):
            return (os.mkdir, (str(marker),))

    run = tmp_path / "run"
    run.mkdir()
    torch.save({"step": 1, "networks": {}, "config": "{}", "x": Evil()}, run / "checkpoint.pt", pickle_module=pickle)
    err = _one_line_error(capsys, ["train", "--resume", str(run)])
    assert "refused" in err and not marker.exists()


def test_an_output_folder_that_is_a_file_is_named_as_such(tmp_path, capsys):
    (tmp_path / "taken").write_text("not a folder")
    err = _one_line_error(capsys, ["train", "dcgan", "--preset", "shapes", "--steps", "1", "--out",
                                   str(tmp_path / "taken")])
    assert "taken: is a file, not a folder" in err and "File exists" not in err
    Image.new("RGB", (20, 20)).save(tmp_path / "a.png")
    (tmp_path / "in").mkdir()
    Image.new("RGB", (20, 20)).save(tmp_path / "in" / "a.png")
    err = _one_line_error(capsys, ["stylize", "--style", "monet", "--input", str(tmp_path / "in"), "--output",
                                   str(tmp_path / "taken" / "sub")])
    assert "taken: is a file, not a folder" in err


def test_stylize_takes_its_own_pixel_limit(tmp_path, capsys):
    Image.new("RGB", (300, 200)).save(tmp_path / "a.png")
    err = _one_line_error(capsys, ["stylize", "--style", "monet", "--input", str(tmp_path / "a.png"), "--output",
                                   str(tmp_path / "o.png"), "--max-megapixels", "0.05"])
    assert "300x200 pixels exceeds the limit of 50,000" in err and "--max-megapixels" in err
    assert main(["stylize", "--style", "monet", "--input", str(tmp_path / "a.png"), "--output",
                 str(tmp_path / "o.png"), "--max-megapixels", "0.1"]) == 0
