"""A corpus of bad and odd image files, generated on the spot (nothing downloaded).

`build_corpus(folder)` writes every case into `folder` and returns them as `Case`s: `ok` cases must be
read (and give an upright RGB image), `skip` cases must be skipped with a reason naming the file.
"""
from __future__ import annotations

import io
import os
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

# Display-space test pattern: 24x16, red marker in the top-left quadrant, blue elsewhere.
PATTERN_W, PATTERN_H = 24, 16


@dataclass
class Case:
    name: str
    path: Path
    expect: str  # "ok", "skip", or "none" (not a file: must simply not hang or crash)


def pattern() -> Image.Image:
    arr = np.zeros((PATTERN_H, PATTERN_W, 3), np.uint8)
    arr[...] = (30, 60, 220)
    arr[: PATTERN_H // 2, : PATTERN_W // 2] = (230, 30, 30)
    return Image.fromarray(arr)


def marker_is_top_left(rgb: np.ndarray) -> bool:
    """True if the red marker of `pattern()` is in the top-left quadrant of an (H, W, 3) array."""
    h, w = rgb.shape[:2]
    tl = rgb[: h // 2, : w // 2].astype(float).mean((0, 1))
    br = rgb[h // 2:, w // 2:].astype(float).mean((0, 1))
    return w > h and tl[0] > 150 > br[0] and br[2] > 150


# Stored pixels for each EXIF orientation, so that the displayed image is `pattern()`
# (inverse of the transform a viewer applies; 6 and 8 are each other's inverse).
_STORE = {1: None, 2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
          4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_90,
          7: Image.Transpose.TRANSVERSE, 8: Image.Transpose.ROTATE_270}


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def raw_png(width: int, height: int, bit_depth: int, color_type: int, idat: bytes) -> bytes:
    """A PNG written byte by byte, so that its header may say anything."""
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b"")


def _compressed_zeros(row_bytes: int, rows: int) -> bytes:
    comp, out, row = zlib.compressobj(9), [], b"\x00" * row_bytes
    for _ in range(rows):
        out.append(comp.compress(row))
    out.append(comp.flush())
    return b"".join(out)


def _encoded(im: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    im.save(buf, format=fmt, **kw)
    return buf.getvalue()


def build_corpus(folder: Path) -> list[Case]:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    cases: list[Case] = []
    photo = Image.fromarray(rng.integers(0, 256, (48, 64, 3), dtype=np.uint8))
    jpeg, png = _encoded(photo, "JPEG", quality=90), _encoded(photo, "PNG")

    def add(name: str, expect: str, data: bytes | None = None, image: Image.Image | None = None, **save):
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if data is not None:
            path.write_bytes(data)
        elif image is not None:
            image.save(path, **save)
        cases.append(Case(name, path, expect))
        return path

    # --- broken files: skipped with a reason
    add("zero_byte.jpg", "skip", b"")
    add("zero_byte.png", "skip", b"")
    add("truncated.jpg", "skip", jpeg[: len(jpeg) // 2])
    add("truncated.png", "skip", png[: len(png) // 2])
    add("truncated_header.png", "skip", png[:20])
    add("truncated_header.jpg", "skip", jpeg[:30])
    add("corrupt_header.jpg", "skip", b"\xff\xd8\xff\xe0" + bytes(rng.integers(0, 256, 2000, dtype=np.uint8)))
    add("corrupt_crc.png", "skip", png[:29] + bytes([png[29] ^ 0xFF]) + png[30:])
    add("random_bytes.jpg", "skip", bytes(rng.integers(0, 256, 4096, dtype=np.uint8)))
    add("random_bytes.png", "skip", bytes(rng.integers(0, 256, 4096, dtype=np.uint8)))
    add("random_bytes.webp", "skip", bytes(rng.integers(0, 256, 4096, dtype=np.uint8)))
    add("random_bytes.gif", "skip", bytes(rng.integers(0, 256, 4096, dtype=np.uint8)))
    add("text_as.png", "skip", b"just some words, not pixels\n" * 10)
    add("html_as.jpg", "skip", b"<!doctype html><html><body>404 not found</body></html>")
    add("svg_as.png", "skip", b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')
    add("bomb_header.png", "skip", raw_png(50_000, 50_000, 8, 2, zlib.compress(b"\x00" * 64)))
    add("bomb_deflate.png", "skip", raw_png(11_000, 11_000, 8, 0, _compressed_zeros(11_001, 11_000)))
    add("bomb_header.gif", "skip", b"GIF89a" + struct.pack("<HH", 50_000, 50_000) + b"\x00\x00\x00"
        + b"\x2c" + struct.pack("<HHHH", 0, 0, 50_000, 50_000) + b"\x00\x02\x02\x44\x01\x00\x3b")
    heic = struct.pack(">I", 24) + b"ftypheic" + b"\x00\x00\x00\x00mif1heic" + bytes(200)
    add("phone.heic", "skip", heic)
    add("heic_renamed.jpg", "skip", heic)
    add("camera.cr2", "skip", b"II*\x00\x10\x00\x00\x00CR\x02\x00" + bytes(200))
    add("broken.tif", "skip", b"II*\x00" + bytes(rng.integers(0, 256, 500, dtype=np.uint8)))
    add("broken.bmp", "skip", b"BM" + struct.pack("<I", 999999) + bytes(40))
    dangling = folder / "dangling_link.jpg"
    os.symlink(folder / "does_not_exist.jpg", dangling)
    cases.append(Case("dangling_link.jpg", dangling, "skip"))
    locked = add("no_permission.jpg", "skip" if os.geteuid() != 0 else "ok", jpeg)  # root reads anything
    locked.chmod(0)

    # --- odd but valid files: read, upright, RGB
    add("tiny_1x1.png", "ok", image=Image.new("RGB", (1, 1), (10, 200, 30)))
    add("tiny_1x1.jpg", "ok", image=Image.new("RGB", (1, 1), (10, 200, 30)))
    add("wide_100000x2.png", "ok", image=Image.new("RGB", (100_000, 2), (90, 90, 90)))
    add("tall_2x100000.png", "ok", image=Image.new("L", (2, 100_000), 90))
    add("grey16.png", "ok", image=Image.fromarray(np.linspace(0, 65535, 48 * 64).reshape(48, 64).astype(np.uint16)))
    rgb16 = b"".join(b"\x00" + np.full(8 * 3, 40000, ">u2").tobytes() for _ in range(6))
    add("rgb16.png", "ok", raw_png(8, 6, 16, 2, zlib.compress(rgb16)))
    add("float32.tif", "ok", image=Image.fromarray(rng.random((16, 16)).astype(np.float32)))
    add("cmyk.jpg", "ok", image=photo.convert("CMYK"), quality=90)
    add("grey.jpg", "ok", image=photo.convert("L"))
    add("bilevel.png", "ok", image=photo.convert("1"))
    palette = photo.convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    add("palette.png", "ok", image=palette)
    add("palette_transparent.png", "ok", image=palette, transparency=0)
    add("palette.gif", "ok", image=palette)
    add("la.png", "ok", image=photo.convert("LA"))
    rgba = photo.convert("RGBA")
    rgba.putalpha(128)
    add("rgba.png", "ok", image=rgba)
    add("rgba.webp", "ok", image=rgba)
    frames = [Image.new("RGB", (32, 24), c) for c in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    add("animated.gif", "ok", image=frames[0], save_all=True, append_images=frames[1:], duration=100, loop=0)
    add("animated.webp", "ok", image=frames[0], save_all=True, append_images=frames[1:], duration=100)
    add("animated.png", "ok", image=frames[0], save_all=True, append_images=frames[1:], duration=100)
    add("multipage.tif", "ok", image=frames[0], save_all=True, append_images=frames[1:])
    add("progressive.jpg", "ok", image=photo, progressive=True, quality=85)
    add("trailing_garbage.jpg", "ok", jpeg + b"\x00garbage after the end marker" * 20)
    add("lossless.webp", "ok", image=photo, lossless=True)
    add("plain.bmp", "ok", image=photo)
    add("plain.ppm", "ok", image=photo)
    add("UPPER.JPG", "ok", image=photo)
    add("Mixed.JpEg", "ok", image=photo)
    add("nested/deeper/inside.png", "ok", image=photo)
    add("folder_named.jpg/inside.png", "ok", image=photo)
    for k, op in _STORE.items():
        stored = pattern() if op is None else pattern().transpose(op)
        exif = Image.Exif()
        exif[0x0112] = k
        add(f"exif_orientation_{k}.jpg", "ok", image=stored, exif=exif, quality=95)
    name = os.fsdecode(b"caf\xe9_latin1_name.jpg")  # not valid UTF-8
    add(name, "ok", jpeg)
    add("ünïcødé 名前 with spaces.png", "ok", png)

    # --- not files: must not hang
    loop = folder / "loop"
    loop.mkdir()
    os.symlink(folder, loop / "back_to_top")
    cases.append(Case("loop/back_to_top", loop / "back_to_top", "none"))
    return cases
