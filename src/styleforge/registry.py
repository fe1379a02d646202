"""Name registries: everything a user can choose is registered by name.

>>> GENERATORS = Registry("generator")
>>> @GENERATORS.register("tiny")
... class Tiny: ...
>>> GENERATORS.create("tiny")  # doctest: +ELLIPSIS
<...Tiny object at ...>
"""
from __future__ import annotations

import inspect
from typing import Any, Callable

from .errors import ConfigError, UnknownNameError


class Registry:
    """Maps names to factories (classes or functions) of one kind."""

    def __init__(self, kind: str):
        self.kind = kind
        self._entries: dict[str, Callable[..., Any]] = {}

    def register(self, name: str | None = None):
        def decorator(factory):
            key = name or factory.__name__.lower()
            if key in self._entries:
                raise ValueError(f"{self.kind} '{key}' is registered twice")
            self._entries[key] = factory
            return factory

        return decorator

    def get(self, name: str) -> Callable[..., Any]:
        try:
            return self._entries[name]
        except KeyError:
            valid = ", ".join(sorted(self._entries)) or "(none)"
            raise UnknownNameError(f"unknown {self.kind} '{name}'; valid names: {valid}") from None

    def names(self) -> list[str]:
        return sorted(self._entries)

    def __contains__(self, name: str) -> bool:
        return name in self._entries

    def create(self, name: str, **kwargs) -> Any:
        """Build `name` with keyword arguments; unknown arguments fail with the valid ones listed.

        Objects that accept attributes remember how they were built (`_registry_name`,
        `_init_kwargs`) so that `save_pretrained` can write them to `config.json`.
        """
        factory = self.get(name)
        check_kwargs(factory, kwargs, f"{self.kind} '{name}'")
        obj = factory(**kwargs)
        try:
            obj._registry_name, obj._init_kwargs = name, dict(kwargs)
        except AttributeError:
            pass
        return obj


def check_kwargs(factory: Callable[..., Any], kwargs: dict[str, Any], what: str) -> None:
    """Raise ConfigError naming any keyword that `factory` does not accept."""
    params = inspect.signature(factory).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return
    unknown = sorted(set(kwargs) - set(params))
    if unknown:
        valid = ", ".join(p for p in params if p != "self")
        raise ConfigError(f"{what} has no argument {', '.join(unknown)}; valid arguments: {valid}")
