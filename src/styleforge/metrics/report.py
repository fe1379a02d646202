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
from .registry import describe_key

def png_data_uri(image: torch.Tensor) -> str:
    """(C, H, W) in [-1, 1] -> 'data:image/png;base64,...'."""
    buf = io.BytesIO()
    arr = to_uint8(image)
    Image.fromarray(arr[..., 0] if arr.shape[-1] == 1 else arr).save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def file_data_uri(path: str | os.PathLike) -> str:
    return "data:image/png;base64," + base64.b64encode(Path(path).read_bytes()).decode("ascii")


def nearest_style(outputs: torch.Tensor, style: torch.Tensor, size: int = 32) -> torch.Tensor:
    """For each output (N, ...), the index of the closest style image in downscaled pixel space -> (N,)."""
    a = F.interpolate(outputs, size=(size, size), mode="area").flatten(1)
    b = F.interpolate(style, size=(size, size), mode="area").flatten(1)
    return torch.cdist(a, b).argmin(1)


def comparison_grid(photos: torch.Tensor, outputs: torch.Tensor, style: torch.Tensor, count: int = 8) -> torch.Tensor:
    """Rows of [photo | output | nearest style image] for the first `count` photos -> (C, H', W')."""
    n = min(count, len(photos))
    near = style[nearest_style(outputs[:n], style)]
    return make_grid(torch.stack([photos[:n], outputs[:n], near], 1).flatten(0, 1), columns=3)


def _fmt(v) -> str:
    return f"{v:.4f}" if isinstance(v, float) else html.escape(str(v))


def write_report(path: str | os.PathLike, result: dict, title: str, plots: dict[str, Path] | None = None) -> Path:
    """result: evaluate_model()'s dict (+ 'model_path'). Writes one HTML file with everything embedded."""
    model, identity, baseline = result["model"], result["identity"], result.get("color_transfer", {})
    rows = "".join(
        f"<tr><td>{html.escape(k)}</td><td>{_fmt(model[k])}</td><td>{_fmt(identity.get(k, ''))}</td>"
        f"<td>{_fmt(baseline.get(k, ''))}</td><td>{html.escape(describe_key(k)[0])}</td></tr>" for k in model)
    grid = png_data_uri(comparison_grid(result["photos"], result["outputs"], result["style"]))
    figures = "".join(f"<h2>{html.escape(name)}</h2><img alt='{html.escape(name)}' src='{file_data_uri(p)}'>"
                      for name, p in (plots or {}).items())
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:1100px}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left}}img{{max-width:100%}}</style></head>
<body><h1>{html.escape(title)}</h1>
<p>Model: <code>{html.escape(str(result.get('model_path', '')))}</code></p>
<h2>Metrics</h2>
<table id="metrics"><tr><th>metric</th><th>model</th><th>identity (output = photo)</th><th>colour transfer</th><th>meaning</th></tr>{rows}</table>
<h2>Held-out photos: input | output | nearest style image</h2>
<img id="samples" alt="input, output and nearest style image" src="{grid}">
{figures}
<h2>Split</h2><pre>{html.escape(json.dumps(result['split'], indent=2))}</pre>
</body></html>
"""
    atomic_write_text(path, page)
    return Path(path)
