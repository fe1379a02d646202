"""The one place where files, PIL images and uint8 arrays become float tensors, and back.

Library convention: float tensors, NCHW (or CHW), values in [-1, 1], RGB (or 1-channel grey for
data sets such as MNIST). Everything outside this module speaks that convention.
"""
from __future__ import annotations

import math
import os
import struct
import warnings
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageColor, ImageOps, UnidentifiedImageError

from .errors import ImageReadError
from .files import atomic_path

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".tif", ".tiff", ".ppm", ".pgm")
# Image formats people keep in photo folders that Pillow cannot decode here: reported, never silently ignored.
UNSUPPORTED_FORMATS = {".heic": "HEIC", ".heif": "HEIF", ".jxl": "JPEG XL", ".svg": "SVG", ".psd": "Photoshop",
                       **{ext: "camera raw" for ext in (".cr2", ".cr3", ".nef", ".arw", ".dng", ".orf", ".rw2", ".raf")}}
DEFAULT_MAX_PIXELS = 100_000_000
MAX_ASPECT = 8.0  # for training and evaluation: a 100000x2 strip is centre-cropped to 16x2, not resized to 6M px
_ALPHA_MODES = ("RGBA", "LA", "PA", "RGBa", "La")


def is_image_name(path: str | os.PathLike) -> bool:
    return str(path).lower().endswith(IMAGE_EXTENSIONS)


def unsupported_reason(path: str | os.PathLike) -> str | None:
    """Why a file with a known but unreadable image extension (HEIC, camera raw, ...) is refused, else None."""
    fmt = UNSUPPORTED_FORMATS.get(Path(path).suffix.lower())
    return f"{fmt} images are not supported: convert the file to JPEG or PNG" if fmt else None


def open_image(path: str | os.PathLike, max_pixels: int = DEFAULT_MAX_PIXELS,
               background: str = "white", max_aspect: float = 0.0) -> Image.Image:
    """Read a file as an upright RGB PIL image.

    Applies EXIF orientation; converts L, LA, P, RGBA, CMYK, I;16, I and F deliberately (alpha is
    composited onto `background`); takes the first frame of animations; with `max_aspect` > 0, centre-crops
    the longer side to at most max_aspect x the shorter. Raises ImageReadError naming
    the file for missing, empty, truncated, corrupt, non-image or over-large (> max_pixels) files.
    """
    path = Path(path)
    try:
        if path.is_dir():
            raise ImageReadError(path, "is a folder, not an image file")
        if path.stat().st_size == 0:
            raise ImageReadError(path, "empty file (0 bytes)")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # bomb warnings (checked below) and corrupt-EXIF chatter
            with Image.open(path) as im:
                if im.width * im.height > max_pixels:
                    raise ImageReadError(path, f"{im.width}x{im.height} pixels exceeds the limit of {max_pixels:,} "
                                               "(possible decompression bomb; if intended, raise the limit: "
                                               "--max-megapixels to stylize, data.max_pixels to train)")
                im.seek(0)
                im.load()
                im = ImageOps.exif_transpose(im)
                return _to_rgb(crop_aspect(im, max_aspect) if max_aspect else im, background)
    except ImageReadError:
        raise
    except FileNotFoundError:
        raise ImageReadError(path, "file not found") from None
    except PermissionError:
        raise ImageReadError(path, "permission denied") from None
    except UnidentifiedImageError:
        raise ImageReadError(path, unsupported_reason(path)
                             or "not an image Pillow can read (unknown or unsupported format)") from None
    except Image.DecompressionBombError as exc:
        raise ImageReadError(path, f"refused as a decompression bomb ({exc})") from None
    except (OSError, SyntaxError, ValueError, EOFError, struct.error, MemoryError) as exc:
        reason = str(exc) or exc.__class__.__name__
        if "truncated" in reason:
            reason = "truncated file (" + reason + ")"
        raise ImageReadError(path, f"corrupt or unreadable image: {reason}") from None


def crop_aspect(im: Image.Image, max_aspect: float) -> Image.Image:
    """Centre-crop the longer side to at most `max_aspect` x the shorter one."""
    w, h = im.size
    cw, ch = min(w, max(1, int(h * max_aspect))), min(h, max(1, int(w * max_aspect)))
    if (cw, ch) == (w, h):
        return im
    left, top = (w - cw) // 2, (h - ch) // 2
    return im.crop((left, top, left + cw, top + ch))


def _to_rgb(im: Image.Image, background: str) -> Image.Image:
    if im.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        arr = np.asarray(im)
        if arr.dtype.kind == "f":
            scale = 1.0 if np.nanmax(arr) <= 1.0 else 255.0
            arr8 = np.clip(np.nan_to_num(arr) / scale * 255.0, 0, 255)
        else:
            arr8 = np.clip(arr.astype(np.float64), 0, 65535) / 257.0
        im = Image.fromarray(arr8.round().astype(np.uint8), mode="L")
    if im.mode == "P":
        im = im.convert("RGBA") if "transparency" in im.info else im.convert("RGB")
    if im.mode in _ALPHA_MODES:
        rgba = im.convert("RGBA")
        canvas = Image.new("RGBA", rgba.size, ImageColor.getrgb(background) + (255,))
        return Image.alpha_composite(canvas, rgba).convert("RGB")
    return im.convert("RGB") if im.mode != "RGB" else im.copy()


def read_image(path: str | os.PathLike, max_pixels: int = DEFAULT_MAX_PIXELS,
               background: str = "white", grey: bool = False, max_aspect: float = 0.0) -> np.ndarray:
    """Read a file as a uint8 array, HWC (HW1 if grey)."""
    im = open_image(path, max_pixels=max_pixels, background=background, max_aspect=max_aspect)
    if grey:
        return np.asarray(im.convert("L"))[:, :, None]
    return np.asarray(im)


# --------------------------------------------------------------------------- arrays <-> tensors


def to_tensor(array: np.ndarray) -> torch.Tensor:
    """uint8 HWC (or NHWC) -> float CHW (or NCHW) in [-1, 1]."""
    t = torch.from_numpy(np.require(array, requirements=["C", "W"]))
    t = t.permute(2, 0, 1) if t.ndim == 3 else t.permute(0, 3, 1, 2)
    return t.float().div_(127.5).sub_(1.0)


def to_uint8(tensor: torch.Tensor) -> np.ndarray:
    """float CHW (or NCHW) in [-1, 1] -> uint8 HWC (or NHWC)."""
    t = tensor.detach().float().cpu().clamp(-1, 1).add(1).mul(127.5).round().to(torch.uint8)
    t = t.permute(1, 2, 0) if t.ndim == 3 else t.permute(0, 2, 3, 1)
    return t.numpy()


def load_tensor(path: str | os.PathLike, max_pixels: int = DEFAULT_MAX_PIXELS) -> torch.Tensor:
    """Read a file as float CHW in [-1, 1], RGB."""
    return to_tensor(read_image(path, max_pixels=max_pixels))


def save_image(tensor: torch.Tensor, path: str | os.PathLike, quality: int = 95) -> Path:
    """Write float CHW in [-1, 1] atomically; the format follows the suffix (PNG, JPEG, TIFF, WebP)."""
    return save_array(to_uint8(tensor), path, quality)


def icc_profile(path: str | os.PathLike) -> bytes | None:
    """The embedded ICC colour profile of an image file (header only; no decode), or None."""
    try:
        with Image.open(path) as im:
            return im.info.get("icc_profile")
    except (OSError, ValueError, Image.DecompressionBombError):
        return None


def save_array(array: np.ndarray, path: str | os.PathLike, quality: int = 95, icc: bytes | None = None) -> Path:
    """Write uint8 HWC (HW1 grey) atomically; the format follows the suffix (PNG, JPEG, TIFF, WebP).
    `icc`: an ICC profile to embed (e.g. the input's, so colours are interpreted alike)."""
    path = Path(path)
    im = Image.fromarray(array[:, :, 0], mode="L") if array.shape[2] == 1 else Image.fromarray(array, mode="RGB")
    fmt = Image.registered_extensions().get(path.suffix.lower())
    if fmt is None:
        raise ImageReadError(path, f"unsupported output format '{path.suffix}'; use .png, .jpg, .tif or .webp")
    with atomic_path(path) as tmp:
        kwargs = {"quality": quality} if fmt in ("JPEG", "WEBP") else {}
        if icc and fmt in ("JPEG", "PNG", "TIFF", "WEBP"):
            kwargs["icc_profile"] = icc
        im.save(tmp, format=fmt, **kwargs)
    return path


def make_grid(images: torch.Tensor, columns: int | None = None, padding: int = 2,
              pad_value: float = 1.0) -> torch.Tensor:
    """Tile a batch NCHW into one image CH'W' (rows of `columns`, default near-square)."""
    n, c, h, w = images.shape
    columns = columns or max(1, math.ceil(math.sqrt(n)))
    rows = math.ceil(n / columns)
    grid = images.new_full((c, rows * (h + padding) + padding, columns * (w + padding) + padding), pad_value)
    for i in range(n):
        r, col = divmod(i, columns)
        y, x = padding + r * (h + padding), padding + col * (w + padding)
        grid[:, y:y + h, x:x + w] = images[i]
    return grid


def labelled_grid(images: torch.Tensor, labels: list[str], padding: int = 2, band: int = 16) -> torch.Tensor:
    """make_grid with a multiple of len(labels) columns, under a white band naming each column: images
    (N, C, H, W) in [-1, 1] that come in groups of len(labels) -> (C, H', W')."""
    from PIL import ImageDraw

    n, c, h, w = images.shape
    groups = max(1, n // len(labels))
    per_row = max(1, min(groups, round(math.sqrt(groups * h / (len(labels) * w)))))  # a near-square grid
    columns = len(labels) * per_row
    grid = make_grid(images, columns, padding)
    header = Image.new("L", (grid.shape[-1], band), 255)
    draw = ImageDraw.Draw(header)
    for col in range(columns):
        text = labels[col % len(labels)][:max(3, w // 7)]
        left = padding + col * (w + padding) + max(0, (w - draw.textlength(text)) // 2)
        draw.text((left, 2), text, fill=40)
    band_t = torch.from_numpy(np.asarray(header, np.float32) / 127.5 - 1).expand(grid.shape[0], -1, -1)
    return torch.cat([band_t.to(grid), grid], 1)


def save_grid(images: torch.Tensor, path: str | os.PathLike, columns: int | None = None) -> Path:
    """Save a batch NCHW in [-1, 1] as one grid image."""
    return save_image(make_grid(images.detach().cpu().float(), columns), path)
