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
    apply_override(tree, "data.style=123")
    assert tree["data"]["style"] == "123"


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


@pytest.mark.parametrize("old, new, value", [
    ("data.source", "data.style", "/photos/paintings"), ("data.path", "data.style_path", "/data/mnist"),
    ("data.styles", "multistyle.styles", "a=x,b=y"), ("data.diff_augment", "augment.policy", "color,cutout"),
    ("data.ada_target", "augment.ada_target", 0.6), ("data.ada_speed", "augment.ada_speed", 0.01),
    ("model.teacher", "distill.teacher", "/runs/teacher"),
    ("loss.distill_output_weight", "distill.output_weight", 3.0),
    ("loss.distill_feature_weight", "distill.feature_weight", 0.5),
])
def test_keys_moved_to_their_recipe_or_data_section_are_read_with_a_note(old, new, value, capsys):
    """#21: recipe-only settings have their own sections and --style maps onto data.style; the old names
    still work from --set, presets and saved run configs (config.json of an earlier run)."""
    from styleforge.config import from_dict

    def get(config, dotted):
        section, key = dotted.split(".")
        return getattr(getattr(config, section), key)

    assert get(load_config(None, [f"{old}={value}"]), new) == value
    assert f"'{old}' is now '{new}'" in capsys.readouterr().err
    saved = Config().to_dict()
    new_section, new_key = new.split(".")
    del saved[new_section][new_key]
    old_section, old_key = old.split(".")
    saved[old_section][old_key] = value
    assert get(from_dict(saved), new) == value
    assert not hasattr(getattr(Config(), old_section), old_key)
