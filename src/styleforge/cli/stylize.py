"""`styleforge stylize`: apply a style to one image or a folder of images."""
from __future__ import annotations

import sys
from pathlib import Path

EXAMPLES = """examples:
  styleforge stylize --style monet --input photo.jpg --output photo_monet.jpg
  styleforge stylize --model runs/00004-cut-monet --input holiday/ --output holiday_monet/ --strength 0.8
  styleforge stylize --style monet --input photo.jpg --output out.png --preserve-color
  styleforge stylize --style monet --input ad.png --output ad_monet.png --keep-rect 40,300,200,120 --feather 12
  styleforge stylize --model runs/a=0.7,runs/b=0.3 --input photo.jpg --output blend.jpg
  styleforge stylize --style monet --input print.tif --output print_monet.tif --tile 512
"""


def add_parser(sub) -> None:
    import argparse

    from ..imageio import DEFAULT_MAX_PIXELS

    p = sub.add_parser("stylize", help="apply a learned style to an image or a folder", epilog=EXAMPLES,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    add_model_options(p)
    p.add_argument("--input", required=True, help="an image file or a folder (searched recursively)")
    p.add_argument("--output", required=True, help="output file, or output folder for a folder input")
    p.add_argument("--strength", type=float, default=1.0, help="0 = original photo, 1 = full style (default: 1)")
    p.add_argument("--preserve-color", action="store_true", help="keep the photo's colours, take the style's luminance")
    p.add_argument("--format", default=None, choices=["png", "jpg", "jpeg", "tif", "tiff", "webp", "bmp"],
                   help="output extension for folders (default: keep each input's)")
    p.add_argument("--quality", type=int, default=95, help="JPEG/WebP quality (default: 95)")
    p.add_argument("--tile", type=int, default=512, help="images larger than this are stylised in overlapping "
                                                          "tiles of this size (bounded memory; default: 512)")
    p.add_argument("--overlap", type=int, default=128,
                   help="tile overlap in pixels, at least twice the generator's reach (default: 128)")
    p.add_argument("--overwrite", action="store_true",
                   help="for folders: redo outputs that already exist (default: skip them, so a stopped batch resumes)")
    p.add_argument("--max-megapixels", type=float, default=DEFAULT_MAX_PIXELS / 1e6,
                   help=f"largest image read, in megapixels (default: {DEFAULT_MAX_PIXELS / 1e6:.0f}; a guard "
                        "against decompression bombs: raise it for real gigapixel prints, which are tiled)")
    p.add_argument("--mask", help="mask image: white = stylise, black = keep the original (resized to each image)")
    p.add_argument("--keep-rect", metavar="X,Y,W,H", help="keep this rectangle untouched (e.g. a logo)")
    p.add_argument("--feather", type=int, default=8, help="mask edge softening radius in pixels (default: 8)")
    p.set_defaults(run=run)


def amp_of(args) -> str:
    """--precision -> Stylizer's amp."""
    return "off" if args.precision == "fp32" else args.precision


def add_model_options(p) -> None:
    """--style / --model, shared by the commands that stylise (see inference.open_stylizer)."""
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--style", help="a bundled style name (e.g. monet); NAME=W,NAME=W blends several")
    src.add_argument("--model", help="a run folder, an export folder or an .onnx file; PATH=W,PATH=W blends several")
    p.add_argument("--styles", metavar="NAME=W,...", help="for a multi-style model: which of its styles, mixed by "
                                                          "weight (default: its first style)")
    p.add_argument("--precision", choices=["auto", "fp32", "bf16"], default="auto",
                   help="auto: bf16 autocast on a CPU with bf16 units (1.5x faster for the bundled styles, output "
                        "within 1/255), else fp32 (default: auto)")


def run(args) -> int:
    import numpy as np
    from tqdm import tqdm

    from ..data.datasets import list_image_files
    from ..errors import ImageReadError, StyleforgeError
    from ..files import ensure_folder
    from ..imageio import icc_profile, read_image, save_array
    from ..inference import open_stylizer
    from ..inference.stylizer import training_note

    stylizer = open_stylizer(args.style, args.model, getattr(args, "styles", None), amp=amp_of(args))
    note = training_note(getattr(stylizer, "metadata", {}))
    if note:
        print(note, file=sys.stderr)

    def apply(image):
        mask = None
        if args.mask or args.keep_rect:
            from ..inference.masks import load_mask, rect_mask
            h, w = image.shape[:2]
            mask = load_mask(args.mask, h, w, max_pixels) if args.mask else np.ones((h, w), np.float32)
            if args.keep_rect:
                mask = mask * rect_mask(h, w, args.keep_rect)
        return stylizer.stylize_array(image, args.strength, args.preserve_color, args.tile, args.overlap, mask,
                                      args.feather)

    max_pixels = int(args.max_megapixels * 1e6)
    source = Path(args.input)
    if source.is_file() or not source.exists():
        image = read_image(source, max_pixels=max_pixels)  # a missing or broken single file is a one-line error
        out = apply(image)
        print(f"wrote {save_array(out, args.output, quality=args.quality, icc=icc_profile(source))}")
        return 0
    files, problems = list_image_files(source)
    target = ensure_folder(args.output, "--output (the input is a folder)")
    failures = list(problems)
    skipped_done = 0
    for f in tqdm(files, unit="image", file=sys.stderr):
        rel = f.relative_to(source)
        dest = target / (rel.with_suffix("." + args.format.lstrip(".")) if args.format else rel)
        if dest.exists() and not args.overwrite:
            skipped_done += 1
            continue
        try:
            out = apply(read_image(f, max_pixels=max_pixels))
            save_array(out, dest, quality=args.quality, icc=icc_profile(f))
        except (ImageReadError, StyleforgeError) as exc:
            failures.append((str(f), str(exc)))
    done = len(files) - (len(failures) - len(problems)) - skipped_done
    print(f"stylised {done} of {len(files)} images into {target}"
          + (f" ({skipped_done} already done, kept)" if skipped_done else "")
          + (f"; {len(failures)} skipped:" if failures else ""))
    for path, reason in failures:
        print(f"  skipped {path}: {reason}")
    return 0 if done + skipped_done > 0 or not files else 2
