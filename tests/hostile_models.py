"""Hostile and broken model files, generated on the spot: `build_model_cases(folder)` writes each one and
returns `ModelCase`s with the fragment its one-line refusal must contain. Shared by the tests and by
benchmarks/hostile.py.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import torch


@dataclass
class ModelCase:
    name: str
    path: Path        # an export folder (config.json + model.safetensors) or an .onnx file
    fragment: str     # what the refusal says


def _export(folder: Path, architecture: str, metadata=None, **arguments) -> Path:
    from styleforge.models import GENERATORS, save_pretrained

    torch.manual_seed(0)
    return save_pretrained(GENERATORS.create(architecture, **arguments), folder,
                           metadata={"task": "image"} if metadata is None else metadata)


def _edit(folder: Path, text: str | None = None, **changes) -> Path:
    path = folder / "config.json"
    if text is None:
        config = json.loads(path.read_text())
        config.update(changes)
        text = json.dumps(config)
    path.write_text(text)
    return folder


def _light(folder: Path) -> Path:
    return _export(folder, "light", base_channels=4, blocks=1)


def safetensors_cases(root: Path) -> list[ModelCase]:
    cases = []

    def case(name, fragment, edit=None, **changes):
        folder = _light(root / name)
        if edit is not None:
            edit(folder)
        elif changes:
            _edit(folder, **changes)
        cases.append(ModelCase(name, folder, fragment))

    args = {"base_channels": 4, "blocks": 1}
    big = '{"format": "styleforge-model", "kind": "generator", "architecture": "light", "arguments": {"blocks": ' \
        + "9" * 5000 + "}}"
    case("int_5000_digits", "unreadable JSON value", edit=lambda f: _edit(f, big))
    case("nested_5000", "nested too deeply", edit=lambda f: _edit(f, "[" * 5000 + "]" * 5000))
    case("nested_100000", "nested too deeply", edit=lambda f: _edit(f, "[" * 100_000 + "]" * 100_000))
    case("config_2_6_mb", "too large for a model config",
         edit=lambda f: _edit(f, json.dumps({**json.loads((f / "config.json").read_text()),
                                             "padding": "x" * 2_700_000})))
    case("metadata_null", "'metadata' must be a mapping", metadata=None)
    case("metadata_string", "'metadata' must be a mapping", metadata="monet")
    case("styles_on_single_style", "single-style generator", metadata={"task": "image", "styles": ["a", "b"]})
    case("blocks_65536", "'blocks'=65536 is out of range", arguments={**args, "blocks": 65536})
    case("channels_float", "must be a whole number", arguments={**args, "base_channels": 4.5})
    case("channels_nan", "must be a whole number", arguments={**args, "base_channels": float("nan")})
    case("channels_string", "must be a whole number", arguments={**args, "base_channels": "4"})
    case("weights_do_not_fit", "has shape", arguments={**args, "base_channels": 8})

    multi = _export(root / "styles_int", "light_multi", metadata={"task": "image", "styles": ["a", "b"]},
                    base_channels=4, blocks=1, styles=2)
    cases.append(ModelCase("styles_int", _edit(multi, metadata={"task": "image", "styles": 3}),
                           "metadata.styles must list"))
    unet = _export(root / "unet_depth_24", "unet", base_channels=4, depth=3)
    cases.append(ModelCase("unet_depth_24", _edit(unet, arguments={"base_channels": 4, "depth": 24}),
                           "'depth'=24 is out of range"))

    from safetensors.torch import load_file, save_file
    nan = _light(root / "nan_weights")
    state = {k: v * float("nan") if v.is_floating_point() else v
             for k, v in load_file(str(nan / "model.safetensors")).items()}
    save_file(state, str(nan / "model.safetensors"))
    cases.append(ModelCase("nan_weights", nan, "holds NaN"))
    return cases


def _onnx(path: Path, nodes, inputs, outputs, initializers=(), metadata=None) -> Path:
    import onnx
    from onnx import helper

    graph = helper.make_graph(nodes, path.stem, inputs, outputs, initializer=list(initializers))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    for key, value in (metadata or {}).items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(model, str(path))
    return path


def onnx_cases(root: Path) -> list[ModelCase]:
    from onnx import TensorProto, helper

    root.mkdir(parents=True, exist_ok=True)
    image = lambda name="x", kind=TensorProto.FLOAT, shape=("N", 3, "H", "W"): helper.make_tensor_value_info(  # noqa: E731
        name, kind, list(shape))
    out = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    nan = helper.make_tensor("nan", TensorProto.FLOAT, [1], [float("nan")])
    return [
        ModelCase("onnx_size_multiple_1000000", _onnx(root / "multiple.onnx", [helper.make_node("Identity", ["x"], ["y"])],
                                                      [image()], [out], metadata={"styleforge.size_multiple": "1000000"}),
                  "size_multiple metadata"),
        ModelCase("onnx_classifier", _onnx(root / "classifier.onnx", [helper.make_node(
            "ReduceMean", ["x"], ["y"], axes=[2, 3], keepdims=0)], [image()], [out]), "a style model must return"),
        ModelCase("onnx_half_size", _onnx(root / "half.onnx", [helper.make_node(
            "AveragePool", ["x"], ["y"], kernel_shape=[2, 2], strides=[2, 2])], [image()], [out]),
            "a style model must return"),
        ModelCase("onnx_rank_2_input", _onnx(root / "rank2.onnx", [helper.make_node("Identity", ["x"], ["y"])],
                                             [image(shape=("N", 3))], [out]), "takes (N, 3, H, W)"),
        ModelCase("onnx_int64_input", _onnx(root / "int64.onnx", [helper.make_node("Cast", ["x"], ["y"], to=1)],
                                            [image(kind=TensorProto.INT64)], [out]), "takes float32 images"),
        ModelCase("onnx_two_inputs", _onnx(root / "two.onnx", [helper.make_node("Add", ["x", "z"], ["y"])],
                                           [image(), image("z")], [out]), "takes 2 inputs"),
        ModelCase("onnx_no_inputs", _onnx(root / "none.onnx", [helper.make_node("Identity", ["nan"], ["y"])],
                                          [], [out], [nan]), "takes 0 inputs"),
        ModelCase("onnx_nan_output", _onnx(root / "nan.onnx", [helper.make_node("Mul", ["x", "nan"], ["y"])],
                                           [image()], [out], [nan]), "NaN or infinite"),
    ]


def build_model_cases(root: Path) -> list[ModelCase]:
    return safetensors_cases(root / "exports") + onnx_cases(root / "onnx")
