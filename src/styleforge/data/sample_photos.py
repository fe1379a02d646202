"""Sample photos for the demo (matplotlib's sample data) and the built-in content set when a user brings
style images but no photos of their own: generated landscape scenes (sky and clouds, distant mountains,
fields and hills, sometimes a lake and trees), made on the spot from a seed, so no image file ships and
there is no licence to carry."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np


def demo_photos(size: int = 384) -> dict[str, np.ndarray]:
    """name -> HWC uint8 RGB, each `size` px high: matplotlib's sample photo and a shaded-relief
    landscape from its DEM."""
    import matplotlib
    from matplotlib import cbook
    from matplotlib.colors import LightSource
    from PIL import Image

    photos = {}
    with cbook.get_sample_data("grace_hopper.jpg") as f:
        photos["grace_hopper"] = np.asarray(Image.open(f).convert("RGB"))
    dem = cbook.get_sample_data("jacksboro_fault_dem.npz")
    elevation = dem["elevation"] if hasattr(dem, "__getitem__") else np.load(dem)["elevation"]
    shaded = LightSource(azdeg=315, altdeg=35).shade(elevation, cmap=matplotlib.colormaps["gist_earth"],
                                                     vert_exag=0.05, blend_mode="soft")
    photos["terrain"] = (shaded[..., :3] * 255).astype(np.uint8)
    out = {}
    for name, img in photos.items():
        pil = Image.fromarray(img)
        scale = size / pil.height
        out[name] = np.asarray(pil.resize((round(pil.width * scale), round(pil.height * scale)), Image.LANCZOS))
    return out


def _noise(rng: np.random.Generator, height: int, width: int, octaves: int = 5, base: int = 3) -> np.ndarray:
    """Fractal noise (H, W) in about [0, 1]: random grids of doubling resolution, smoothly upsampled."""
    from PIL import Image

    total, weight = np.zeros((height, width), np.float32), 0.0
    for o in range(octaves):
        cells = base * 2 ** o
        grid = rng.random((cells + 1, cells + 1)).astype(np.float32)
        layer = np.asarray(Image.fromarray(grid).resize((width, height), Image.Resampling.BICUBIC))
        total += layer * 0.5 ** o
        weight += 0.5 ** o
    return np.clip(total / weight, 0, 1)


def _ridge(rng: np.random.Generator, width: int, octaves: int = 6) -> np.ndarray:
    """A 1-D fractal profile (W,) in about [0, 1], for a mountain or hill line."""
    return _noise(rng, 2, width, octaves, base=2)[0]


def landscape(size: int = 192, seed: int = 0) -> np.ndarray:
    """One generated landscape scene, HWC uint8 (size x size): sky, clouds, mountains, fields, maybe water."""
    rng = np.random.default_rng(seed)
    h = w = size
    rows = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    horizon = rng.uniform(0.38, 0.6)
    warm = rng.random() < 0.25  # a sunset sky now and then
    top = np.array([0.85, 0.45, 0.3] if warm else [0.25, 0.45, 0.8]) * rng.uniform(0.8, 1.1)
    low = np.array([1.0, 0.8, 0.55] if warm else [0.78, 0.86, 0.95])
    img = top + (low - top) * np.clip(rows / horizon, 0, 1) ** 0.8 * np.ones((h, w, 1), np.float32)
    clouds = np.clip((_noise(rng, h, w, 6, base=2) - rng.uniform(0.45, 0.6)) * 4, 0, 1)[..., None]
    clouds *= np.clip(1.2 - rows / horizon, 0, 1)
    img = img * (1 - clouds * 0.85) + np.array([1.0, 0.97, 0.93]) * clouds * 0.85

    x = np.arange(w)
    y = np.arange(h)[:, None]
    layers = [(horizon - rng.uniform(0.08, 0.25), rng.uniform(0.08, 0.2), np.array([0.45, 0.5, 0.62])),  # far range
              (horizon - rng.uniform(0.0, 0.08), rng.uniform(0.04, 0.1), np.array([0.35, 0.45, 0.4]))]   # near range
    for level, height, colour in layers:
        line = (level + height * (_ridge(rng, w) - 0.5) * 2) * h
        mask = (y >= line[None, x]).astype(np.float32)[..., None]
        shade = 0.8 + 0.35 * _noise(rng, h, w, 6, base=4)[..., None]
        img = img * (1 - mask) + colour * shade * mask

    lake = rng.random() < 0.45
    ground_top = horizon * h
    field_colour = np.array(rng.choice([[0.35, 0.55, 0.22], [0.55, 0.55, 0.25], [0.4, 0.5, 0.3], [0.62, 0.5, 0.3]]))
    ground = (y >= ground_top).astype(np.float32)[..., None]
    texture = 0.65 + 0.6 * _noise(rng, h, w, 6, base=6)[..., None]
    depth = np.clip((rows - horizon) / (1 - horizon), 0, 1)
    field = field_colour * texture * (1.0 - 0.35 * depth)
    if lake:  # a band of water mirroring the sky, with ripples
        top_w, bottom_w = ground_top + rng.uniform(0.02, 0.08) * h, ground_top + rng.uniform(0.15, 0.3) * h
        water = ((y >= top_w) & (y < bottom_w)).astype(np.float32)[..., None]
        mirror = img[np.clip((2 * ground_top - np.arange(h)).astype(int), 0, h - 1)]
        ripples = 0.85 + 0.15 * np.sin(np.arange(h)[:, None, None] * 1.7 + _noise(rng, h, w, 4, base=8)[..., None] * 6)
        field = field * (1 - water) + mirror * 0.8 * ripples * water
    img = img * (1 - ground) + field * ground

    for _ in range(int(rng.integers(0, 14))):  # trees: dark rounded crowns on the fields
        cx, cy = rng.uniform(0, w), rng.uniform(ground_top, h)
        r = (0.02 + 0.05 * (cy - ground_top) / (h - ground_top + 1)) * h
        crown = (((x[None, :] - cx) / r) ** 2 + ((y - cy) / (1.3 * r)) ** 2 < 1).astype(np.float32)[..., None]
        img = img * (1 - crown) + np.array([0.12, 0.25, 0.1]) * (0.7 + 0.5 * texture) * crown

    img = img * (1 + 0.04 * (rng.standard_normal((h, w, 1)).astype(np.float32)))  # grain
    return (np.clip(img, 0, 1) * 255).astype(np.uint8)


def write_content_crops(folder: str | os.PathLike, count: int = 24, size: int = 160, seed: int = 0) -> Path:
    """Write `count` generated landscape scenes (size x size, see `landscape`) into `folder`: the built-in
    content set. Returns the folder."""
    from PIL import Image

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        Image.fromarray(landscape(size, seed * 1000 + i)).save(folder / f"landscape_{i:03d}.png")
    return folder
