import json
import os

import pytest

from styleforge.errors import ModelFileError
from styleforge.models import GENERATORS, load_pretrained, save_pretrained


@pytest.fixture
def exported(tmp_path):
    g = GENERATORS.create("dcgan", image_size=32, channels=3, latent_dim=8, base_channels=8)
    save_pretrained(g, tmp_path, metadata={"task": "noise", "latent_dim": 8})
    return tmp_path


def _edit_config(folder, **changes):
    path = folder / "config.json"
    config = json.loads(path.read_text())
    config.update(changes)
    path.write_text(json.dumps(config))


@pytest.mark.parametrize("changes, message", [
    ({"architecture": "os.system"}, "unknown generator architecture"),
    ({"kind": "optimizer"}, "unknown model kind"),
    ({"format": "pickle"}, "not a styleforge model"),
    ({"arguments": {"image_size": 32, "base_channels": 10**9}}, "out of range"),
    ({"arguments": {"image_size": 32, "evil": "x"}}, "no argument evil"),
    ({"arguments": {"image_size": {"__class__": "x"}}}, "must be a whole number"),
    ({"arguments": {"image_size": 32, "base_channels": 8.5}}, "base_channels.* must be a whole number"),
    ({"arguments": {"image_size": 32, "base_channels": float("nan")}}, "base_channels.* must be a whole number"),
    ({"arguments": {"image_size": 32, "channels": "3"}}, "channels.* must be a whole number"),
    ({"arguments": {"image_size": 32, "base_channels": True}}, "base_channels.* must be a whole number"),
    ({"metadata": None}, "'metadata' must be a mapping"),
    ({"metadata": "monet"}, "'metadata' must be a mapping"),
    ({"metadata": {"task": "noise", "styles": ["a", "b"]}}, "single-style generator"),
])
def test_untrusted_config_values_are_refused(exported, changes, message):
    _edit_config(exported, **changes)
    with pytest.raises(ModelFileError, match=message):
        load_pretrained(exported)


def test_corrupt_weights_and_mismatched_shapes(exported):
    _edit_config(exported, arguments={"image_size": 32, "channels": 3, "latent_dim": 8, "base_channels": 16})
    with pytest.raises(ModelFileError, match=r"do not fit dcgan: tensor '[\w.]+' has shape"):
        load_pretrained(exported)
    (exported / "model.safetensors").write_bytes(b"garbage")
    with pytest.raises(ModelFileError, match="safetensors"):
        load_pretrained(exported)


def test_missing_folder(tmp_path):
    with pytest.raises(ModelFileError, match="not an exported model"):
        load_pretrained(tmp_path / "none")


def test_a_config_that_would_exhaust_memory_is_refused_before_allocating(exported):
    # each argument is inside its range, but the network would need billions of weights
    _edit_config(exported, arguments={"image_size": 1024, "channels": 3, "latent_dim": 8, "base_channels": 1024})
    with pytest.raises(ModelFileError, match="parameters"):
        load_pretrained(exported)


def test_weights_file_holding_a_pickle_is_refused_without_running_it(exported, tmp_path):
    import pickle

    marker = tmp_path / "payload_ran"

    class Evil:
        def __reduce__(self):
            return (os.mkdir, (str(marker),))

    (exported / "model.safetensors").write_bytes(pickle.dumps({"w": Evil()}))
    with pytest.raises(ModelFileError, match="safetensors"):
        load_pretrained(exported)
    assert not marker.exists()


@pytest.mark.parametrize("text, message", [
    ('{"format": "styleforge-model", "arguments": {"image_size": ' + "9" * 5000 + "}}", "unreadable JSON value"),
    ("[" * 5000 + "]" * 5000, "nested too deeply"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    (" " * (2 << 20) + "{}", "too large for a model config"),
])
def test_hostile_json_is_refused_in_one_line(exported, text, message):
    (exported / "config.json").write_text(text)
    with pytest.raises(ModelFileError, match=message):
        load_pretrained(exported)


def test_a_unet_too_deep_to_stylise_anything_is_refused_before_building(tmp_path):
    g = GENERATORS.create("unet", base_channels=4, depth=3)
    save_pretrained(g, tmp_path, metadata={"task": "image"})
    _edit_config(tmp_path, arguments={"base_channels": 4, "depth": 24})
    with pytest.raises(ModelFileError, match=r"'depth'=24 is out of range"):
        load_pretrained(tmp_path)


def test_multi_style_names_must_match_the_generator(tmp_path):
    g = GENERATORS.create("light_multi", base_channels=4, blocks=1, styles=2)
    save_pretrained(g, tmp_path, metadata={"task": "image", "styles": ["a", "b"]})
    load_pretrained(tmp_path)
    for styles in (3, ["a"], [1, 2]):
        _edit_config(tmp_path, metadata={"task": "image", "styles": styles})
        with pytest.raises(ModelFileError, match="metadata.styles must list the model's 2 style names"):
            load_pretrained(tmp_path)


def test_nan_weights_are_refused_naming_the_tensor(exported):
    from safetensors.torch import load_file, save_file

    state = load_file(str(exported / "model.safetensors"))
    name = sorted(k for k in state if state[k].is_floating_point())[0]
    state[name] = state[name] * float("nan")
    save_file(state, str(exported / "model.safetensors"))
    with pytest.raises(ModelFileError, match=f"tensor '{name}' holds NaN"):
        load_pretrained(exported)
