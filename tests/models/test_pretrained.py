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
    ({"arguments": {"image_size": {"__class__": "x"}}}, "unsupported value"),
])
def test_untrusted_config_values_are_refused(exported, changes, message):
    _edit_config(exported, **changes)
    with pytest.raises(ModelFileError, match=message):
        load_pretrained(exported)


def test_corrupt_weights_and_mismatched_shapes(exported):
    _edit_config(exported, arguments={"image_size": 32, "channels": 3, "latent_dim": 8, "base_channels": 16})
    with pytest.raises(ModelFileError, match="do not match"):
        load_pretrained(exported)
    (exported / "model.safetensors").write_bytes(b"garbage")
    with pytest.raises(ModelFileError, match="safetensors"):
        load_pretrained(exported)


def test_missing_folder(tmp_path):
    with pytest.raises(ModelFileError, match="not an exported model"):
        load_pretrained(tmp_path / "none")


def test_a_config_that_would_exhaust_memory_is_refused_before_allocating(exported):
    # 20,000 channels is under the per-argument limit, but the network would need billions of weights
    _edit_config(exported, arguments={"image_size": 32, "channels": 3, "latent_dim": 8, "base_channels": 20000})
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
