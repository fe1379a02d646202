"""Fuzzing the two parsers that read untrusted input: the image loader and the config parser.

Every input either parses or raises the library's own error (ImageReadError / ConfigError), which the
CLI prints as one line; anything else (a crash, a hang, a stray exception type) fails. The default tier
runs a short budget; the slow tier (`pytest -m slow`) a long one.
"""
import io

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from styleforge.config import from_dict, load_config
from styleforge.errors import ConfigError, ImageReadError
from styleforge.imageio import open_image


def _seed_files() -> dict[str, bytes]:
    rng = np.random.default_rng(0)
    im = Image.fromarray(rng.integers(0, 256, (12, 16, 3), dtype=np.uint8))
    out = {}
    for fmt, ext, kw in [("PNG", "png", {}), ("JPEG", "jpg", {"quality": 80}), ("GIF", "gif", {}),
                         ("WEBP", "webp", {}), ("BMP", "bmp", {}), ("TIFF", "tif", {})]:
        buf = io.BytesIO()
        im.save(buf, format=fmt, **kw)
        out[ext] = buf.getvalue()
    return out


SEEDS = _seed_files()
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
LONG = settings(max_examples=10000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@st.composite
def mutated_image(draw):
    ext = draw(st.sampled_from(sorted(SEEDS)))
    data = bytearray(SEEDS[ext])
    for _ in range(draw(st.integers(0, 8))):
        pos = draw(st.integers(0, len(data) - 1))
        data[pos] = draw(st.integers(0, 255))
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    if draw(st.booleans()):
        data += draw(st.binary(max_size=64))
    return ext, bytes(data)


def _check_image(tmp_path, case):
    ext, data = case
    path = tmp_path / f"fuzz.{ext}"
    path.write_bytes(data)
    try:
        im = open_image(path, max_pixels=4_000_000)
    except ImageReadError as exc:
        assert str(path) in str(exc)
    else:
        assert im.mode == "RGB" and im.width * im.height <= 4_000_000


@FAST
@given(case=mutated_image())
def test_image_loader_fuzz(tmp_path, case):
    _check_image(tmp_path, case)


@pytest.mark.slow
@LONG
@given(case=mutated_image())
def test_image_loader_fuzz_long(tmp_path, case):
    _check_image(tmp_path, case)


KEYS = ["train.steps", "train.lr_generator", "train.beta1", "data.image_size", "data.crop", "data.flip",
        "model.generator_args", "loss.adversarial", "nosuch.key", "train", "data.max_pixels", "run.name"]
VALUES = st.one_of(st.integers(-10**12, 10**12), st.floats(allow_nan=True), st.booleans(), st.text(max_size=20),
                   st.sampled_from(["{a: 1}", "[1, 2]", "{", "null", "~", "1e9", "nan", "inf", "!!python/object:os.system"]))
YAML_TREES = st.recursive(st.one_of(st.none(), st.integers(), st.floats(), st.text(max_size=8), st.booleans()),
                          lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                  st.dictionaries(st.sampled_from(["data", "train", "model", "steps",
                                                                                   "image_size", "x"]), inner, max_size=3)),
                          max_leaves=12)


def _check_config(override_key, value, tree):
    try:
        load_config(None, [f"{override_key}={value}"])
    except ConfigError:
        pass
    try:
        from_dict(tree if isinstance(tree, dict) else {"train": tree})
    except ConfigError:
        pass


@FAST
@given(key=st.sampled_from(KEYS), value=VALUES, tree=YAML_TREES)
def test_config_parser_fuzz(key, value, tree):
    _check_config(key, value, tree)


@pytest.mark.slow
@LONG
@given(key=st.sampled_from(KEYS), value=VALUES, tree=YAML_TREES)
def test_config_parser_fuzz_long(key, value, tree):
    _check_config(key, value, tree)
