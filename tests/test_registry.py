import pytest

from styleforge.errors import ConfigError, UnknownNameError
from styleforge.registry import Registry


def test_unknown_name_lists_valid_names():
    reg = Registry("widget")

    @reg.register("alpha")
    def alpha(size: int = 1):
        return {"size": size}

    assert reg.create("alpha", size=3) == {"size": 3}
    with pytest.raises(UnknownNameError, match="valid names: alpha"):
        reg.get("beta")
    with pytest.raises(ConfigError, match="no argument colour"):
        reg.create("alpha", colour=1)


def test_duplicate_registration_fails():
    reg = Registry("widget")
    reg.register("a")(lambda: 1)
    with pytest.raises(ValueError):
        reg.register("a")(lambda: 2)
