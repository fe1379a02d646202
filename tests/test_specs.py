"""specs: the one parser of 'a,b' and 'NAME=VALUE,...' lists."""
import pytest

from styleforge.errors import ConfigError, StyleforgeError
from styleforge.specs import parse_names, parse_pairs


def test_names_are_stripped_and_empty_entries_dropped():
    assert parse_names(" swd, color ,,") == ["swd", "color"]
    assert parse_names("") == []


def test_pairs_convert_values_and_take_the_default_without_equals():
    assert parse_pairs("monet=0.7, sketch", "a blend", float, default=1.0) == [("monet", 0.7), ("sketch", 1.0)]
    assert parse_pairs("a=/data/x=y", "styles") == [("a", "/data/x=y")]  # only the first '=' splits


@pytest.mark.parametrize("text", ["monet", "=0.5", "monet=", "monet=lots"])
def test_malformed_pairs_name_the_setting(text):
    with pytest.raises(ConfigError, match="multistyle.styles"):
        parse_pairs(text, "multistyle.styles", float, error=ConfigError)


def test_the_default_error_is_a_styleforge_error():
    with pytest.raises(StyleforgeError, match="a blend"):
        parse_pairs("x=y", "a blend", float, default=1.0)
