"""A self-contained HTML evaluation report: images embedded as base64 PNG, viewable offline."""
from __future__ import annotations

import base64
import html
import io
import json
import os
from pathlib import Path

import torch
import torch.nn.functional as F
from PIL import Image

from ..files import atomic_write_text
from ..imageio import make_grid, to_uint8
from .registry import METRICS, describe_key

def png_data_uri(image: torch.Tensor) -> str:
    """(C, H, W) in [-1, 1] -> 'data:image/png;base64,...'."""
    buf = io.BytesIO()
    arr = to_uint8(image)
    Image.fromarray(arr[..., 0] if arr.shape[-1] == 1 else arr).save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def file_data_uri(path: str | os.PathLike) -> str:
    return "data:image/png;base64," + base64.b64encode(Path(path).read_bytes()).decode("ascii")


def nearest_style(outputs: torch.Tensor, style: torch.Tensor, size: int = 32) -> torch.Tensor:
    """For each output (N, ...), a close style image in downscaled pixel space -> (N,) indices, each style
    image used at most ceil(N / M) times (one flat, average painting is otherwise the nearest to most)."""
    a = F.interpolate(outputs, size=(size, size), mode="area").flatten(1)
    b = F.interpolate(style, size=(size, size), mode="area").flatten(1)
    dist = torch.cdist(a, b)
    cap = -(-len(a) // len(b))
    used, chosen = torch.zeros(len(b), dtype=torch.long), torch.zeros(len(a), dtype=torch.long)
    taken = torch.zeros(len(a), dtype=torch.bool)
    for flat in dist.flatten().argsort().tolist():  # the closest pairs first
        i, j = divmod(flat, len(b))
        if not taken[i] and used[j] < cap:
            taken[i], chosen[i] = True, j
            used[j] += 1
    return chosen


def comparison_grid(photos: torch.Tensor, outputs: torch.Tensor, style: torch.Tensor, count: int = 8) -> torch.Tensor:
    """Rows of [photo | output | nearest style image] for the first `count` photos -> (C, H', W')."""
    n = min(count, len(photos))
    near = style[nearest_style(outputs[:n], style)]
    return make_grid(torch.stack([photos[:n], outputs[:n], near], 1).flatten(0, 1), columns=3)


def _fmt(v) -> str:
    return f"{v:.4f}" if isinstance(v, float) else html.escape(str(v))


CONTENT_KEYS = ("ssim", "lpips", "edges")  # how much of the photo is kept; the others: how close to the style
SIDE_KEYS = ("_n", "_low", "_high")  # sample sizes and interval ends: not scores to compare


def compared(model: dict, other: dict) -> dict[str, str]:
    """{key: 'better' | 'worse' | 'same'} of the model against another row, in each metric's own direction."""
    out = {}
    for k, v in model.items():
        if k.endswith(SIDE_KEYS) or not isinstance(other.get(k), float):
            continue
        better = describe_key(k)[1]
        if abs(v - other[k]) <= 1e-6 * max(1.0, abs(v)):
            out[k] = "same"
        else:
            out[k] = "better" if (v < other[k]) == (better == "lower") else "worse"
    return out


def verdict(model: dict, identity: dict, baseline: dict) -> str:
    """One line in plain words: is the output nearer the style than the photos are, and than a colour transfer?"""
    vs_id, vs_ct = compared(model, identity), compared(model, baseline)
    style_keys = [k for k in vs_id if k in METRICS and k not in CONTENT_KEYS]  # one score per metric, not per level
    if not style_keys:
        return "No style metric was computed."
    nearer = [k for k in style_keys if vs_id[k] == "better"]
    beats_ct = [k for k in style_keys if vs_ct.get(k) == "better"]
    if len(nearer) == len(style_keys):
        head = "The outputs are closer to the style images than the photos are on every style metric"
    elif not nearer:
        head = "The outputs are no closer to the style images than the unchanged photos: the style was not learned"
    else:
        head = f"The outputs are closer to the style images than the photos are on {len(nearer)} of {len(style_keys)} style metrics"
    tail = f"; they beat a plain colour transfer on {len(beats_ct)} of {len(style_keys)}" if baseline else ""
    kept = f"; SSIM to the photo {model['ssim']:.2f} (1 = unchanged)" if "ssim" in model else ""
    return head + tail + kept + "."


def write_report(path: str | os.PathLike, result: dict, title: str, plots: dict[str, Path] | None = None) -> Path:
    """result: evaluate_model()'s dict (+ 'model_path'). Writes one HTML file with everything embedded."""
    model, identity, baseline = result["model"], result["identity"], result.get("color_transfer", {})
    vs_id = compared(model, identity)
    comment = {"better": "", "same": "same as the photos", "worse": "worse than the unchanged photos"}
    rows = "".join(
        f"<tr><td>{html.escape(k)}</td><td>{_fmt(model[k])}</td><td>{_fmt(identity.get(k, ''))}</td>"
        f"<td>{_fmt(baseline.get(k, ''))}</td><td class='vs-identity'>{comment.get(vs_id.get(k, 'better'), '')}</td>"
        f"<td>{html.escape(describe_key(k)[0])} ({describe_key(k)[1]} is better)</td></tr>" for k in model)
    grid = png_data_uri(comparison_grid(result["photos"], result["outputs"], result["style"]))
    figures = "".join(f"<h2>{html.escape(name)}</h2><img alt='{html.escape(name)}' src='{file_data_uri(p)}'>"
                      for name, p in (plots or {}).items())
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:1100px}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left}}img{{max-width:100%}}
#samples{{width:100%}}.vs-identity{{color:#a30}}</style></head>
<body><h1>{html.escape(title)}</h1>
<p id="verdict"><b>{html.escape(verdict(model, identity, baseline))}</b></p>
<p>Model: <code>{html.escape(str(result.get('model_path', '')))}</code></p>
<h2>Metrics</h2>
<table id="metrics"><tr><th>metric</th><th>model</th><th>identity (output = photo)</th><th>colour transfer</th><th>note</th><th>meaning</th></tr>{rows}</table>
<h2>Held-out photos: input | output | nearest style image</h2>
<img id="samples" alt="input, output and nearest style image" src="{grid}">
{figures}
<h2>Split</h2><pre>{html.escape(json.dumps(result['split'], indent=2))}</pre>
</body></html>
"""
    atomic_write_text(path, page)
    return Path(path)
