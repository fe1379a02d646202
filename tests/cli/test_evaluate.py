"""`styleforge evaluate` end to end on a tiny model: metrics.json and a self-contained report.html."""
import json

import torch

from styleforge.cli import main
from styleforge.imageio import save_image
from styleforge.models import GENERATORS, save_pretrained


def _folder(path, n, seed, tint):
    g = torch.Generator().manual_seed(seed)
    for i in range(n):
        low = torch.rand(1, 3, 6, 6, generator=g) * 2 - 1
        img = torch.nn.functional.interpolate(low, size=(48, 56), mode="bilinear", align_corners=False)[0]
        save_image((img + torch.tensor(tint).view(3, 1, 1)).clamp(-1, 1), path / f"{i:03d}.png")
    (path / "broken.jpg").write_bytes(b"not an image")


def test_evaluate_writes_metrics_and_report(tmp_path, capsys):
    content, style = tmp_path / "photos", tmp_path / "paintings"
    _folder(content, 12, 0, [0.0, 0.0, 0.0])
    _folder(style, 12, 1, [0.4, 0.1, -0.4])
    torch.manual_seed(0)
    g = GENERATORS.create("light", base_channels=8, blocks=1)
    with torch.no_grad():  # a "style" that warms the colours: moves outputs toward the style set
        g.head.bias.copy_(torch.tensor([0.5, 0.1, -0.5]))
    save_pretrained(g.eval(), tmp_path / "model", metadata={"task": "image"})
    code = main(["evaluate", "--model", str(tmp_path / "model"), "--content", str(content), "--style", str(style),
                 "--metrics", "swd,c2st,ssim,edges,color", "--size", "32", "--holdout", "0",
                 "--out", str(tmp_path / "eval")])
    assert code == 0
    metrics = json.loads((tmp_path / "eval" / "metrics.json").read_text())
    model, identity = metrics["model"], metrics["identity"]
    assert {"swd", "c2st", "ssim", "edges", "color"} <= set(model) and set(model) == set(identity)
    assert identity["ssim"] == 1.0 and model["ssim"] < 1.0
    assert model["color"] < identity["color"] and model["swd"] < identity["swd"]
    assert metrics["split"]["content_images"] == 12
    assert any("broken.jpg" in path for path, _ in metrics["split"]["skipped"])
    page = (tmp_path / "eval" / "report.html").read_text()
    assert '<table id="metrics">' in page and "identity (output = photo)" in page and "colour transfer" in page
    assert set(metrics["color_transfer"]) == set(model)
    assert metrics["color_transfer"]["color"] < 0.5 * identity["color"]  # the baseline matches colour statistics
    assert page.count("data:image/png;base64,") >= 1 and "http" not in page.replace("http-equiv", "")
    assert "wrote" in capsys.readouterr().out
    assert "closer to the style images than the photos are" in page and "colour transfer on" in page  # the verdict
    assert model["c2st_low"] <= model["c2st"] <= model["c2st_high"] and model["c2st_high"] - model["c2st_low"] > 0.2
    assert "worse than the unchanged photos" in page  # SSIM falls from 1 to below: noted beside that row


def test_a_run_is_scored_against_the_style_images_it_held_out(tmp_path, capsys):
    """The paintings a run trained on flatter it: given its own style folder, evaluate uses the held-out part,
    and the report is titled by the run, not 'export'."""
    content, style = tmp_path / "photos", tmp_path / "paintings"
    _folder(content, 12, 0, [0.0, 0.0, 0.0])
    _folder(style, 40, 1, [0.4, 0.1, -0.4])
    run = tmp_path / "runs" / "00007-painterly-paintings"
    save_pretrained(GENERATORS.create("light", base_channels=8, blocks=1).eval(), run / "export",
                    metadata={"task": "image"})
    (run / "config.json").write_text(json.dumps({"data": {"source": str(style), "holdout_fraction": 0.5}}))
    assert main(["evaluate", "--model", str(run), "--content", str(content), "--style", str(style),
                 "--metrics", "swd,ssim", "--size", "32", "--holdout", "0", "--out", str(tmp_path / "eval")]) == 0
    split = json.loads((tmp_path / "eval" / "metrics.json").read_text())["split"]
    assert split["style_holdout_fraction"] == 0.5 and 8 <= split["style_images"] < 40
    assert "images it held out" in capsys.readouterr().out
    assert "<title>styleforge evaluation: 00007-painterly-paintings</title>" in (tmp_path / "eval" / "report.html").read_text()


def test_evaluate_names_the_missing_inception_file(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("STYLEFORGE_INCEPTION", raising=False)
    content = tmp_path / "c"
    _folder(content, 4, 0, [0.0, 0.0, 0.0])
    g = GENERATORS.create("light", base_channels=8, blocks=1)
    save_pretrained(g.eval(), tmp_path / "model", metadata={"task": "image"})
    code = main(["evaluate", "--model", str(tmp_path / "model"), "--content", str(content), "--style", str(content),
                 "--metrics", "fid", "--size", "32", "--holdout", "0", "--out", str(tmp_path / "eval")])
    assert code == 2
    assert "pt_inception-2015-12-05" in capsys.readouterr().err


def test_evaluate_fid_and_kid_with_a_weights_file(tmp_path, capsys):
    from styleforge.metrics.inception import FIDInception

    content = tmp_path / "c"
    _folder(content, 6, 0, [0.0, 0.0, 0.0])
    weights = tmp_path / "inception.pth"
    torch.manual_seed(0)
    torch.save(FIDInception().state_dict(), weights)
    g = GENERATORS.create("light", base_channels=8, blocks=1)
    save_pretrained(g.eval(), tmp_path / "model", metadata={"task": "image"})
    code = main(["evaluate", "--model", str(tmp_path / "model"), "--content", str(content), "--style", str(content),
                 "--metrics", "fid,kid", "--size", "32", "--holdout", "0", "--inception", str(weights),
                 "--out", str(tmp_path / "eval")])
    assert code == 0
    metrics = json.loads((tmp_path / "eval" / "metrics.json").read_text())
    assert {"fid", "kid", "kid_std"} <= set(metrics["model"])
    assert abs(metrics["identity"]["fid"]) < 1e-3  # identity outputs are the reference set itself
