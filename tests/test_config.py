import json

import pytest

from styleforge.config import Config, apply_override, from_dict, load_config
from styleforge.errors import ConfigError


def test_defaults_round_trip_through_json():
    config = Config()
    assert from_dict(json.loads(config.to_json())) == config


def test_preset_and_overrides_resolve_in_order():
    config = load_config("mnist", ["train.steps=7", "loss.adversarial=lsgan", "data.flip=true"], recipe="dcgan")
    assert (config.train.steps, config.loss.adversarial, config.data.flip) == (7, "lsgan", True)
    assert config.model.latent_dim == 64  # from the preset


@pytest.mark.parametrize("override, fragment", [
    ("train.stepz=3", "train.stepz"),
    ("nosuch.key=1", "nosuch"),
    ("train.steps=abc", "train.steps"),
    ("train.steps=0", "train.steps"),
    ("train.beta1=1.5", "train.beta1"),
    ("data.crop=diagonal", "data.crop"),
    ("data.flip=3", "data.flip"),
    ("steps", "key=value"),
])
def test_bad_overrides_name_the_key(override, fragment):
    with pytest.raises(ConfigError, match=fragment.replace(".", r"\.")):
        load_config(None, [override])


def test_unknown_preset_lists_valid_ones():
    with pytest.raises(ConfigError, match="mnist"):
        load_config("nonexistent", recipe="dcgan")


def test_cross_field_validation():
    with pytest.raises(ConfigError, match="scale_min"):
        load_config(None, ["data.scale_min=2", "data.scale_max=1"])


def test_string_keys_keep_numeric_looking_values():
    tree = Config().to_dict()
    apply_override(tree, "data.source=123")
    assert tree["data"]["source"] == "123"


def test_int_given_for_float_is_accepted():
    assert load_config(None, ["train.lr_generator=1"]).train.lr_generator == 1.0


def test_exponent_without_a_dot_is_a_float():
    """YAML 1.1 reads `5e-5` as a string; a float key takes it as the number, other strings still fail."""
    assert load_config(None, ["train.lr_generator=5e-5"]).train.lr_generator == 5e-5
    assert load_config(None, ["train.lr_generator=2E-4"]).train.lr_generator == 2e-4
    with pytest.raises(ConfigError, match="lr_generator"):
        load_config(None, ["train.lr_generator=fast"])


def test_the_old_filters_keys_are_read_into_their_section_with_a_note(capsys):
    """loss.match_* moved to filters.*: an old --set line, preset key or saved run config still works."""
    from styleforge.config import from_dict

    config = load_config("quick", ["loss.match_crop=32"], recipe="filters")
    assert config.filters.crop == 32 and "'loss.match_crop' is now 'filters.crop'" in capsys.readouterr().err
    old_run = Config().to_dict()
    del old_run["filters"]
    old_run["loss"]["match_samples"] = 1024  # a config.json written before the move
    assert from_dict(old_run).filters.samples == 1024
    assert not hasattr(config.loss, "match_crop")
