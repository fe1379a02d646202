"""Exceptions that the CLI turns into one-line messages and a non-zero exit status."""


class StyleforgeError(Exception):
    """Base class: a problem with the user's input or environment, not a bug."""


class ConfigError(StyleforgeError):
    """An invalid configuration key, value or override."""


class UnknownNameError(StyleforgeError, KeyError):
    """A name that is not in a registry."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class ImageReadError(StyleforgeError):
    """A file that cannot be read as an image; the message names the file."""

    def __init__(self, path, reason: str):
        self.path, self.reason = str(path), reason
        super().__init__(f"{path}: {reason}")


class DataSourceMissing(StyleforgeError):
    """A named data set that is not present locally; the message says how to supply it."""


class ModelFileError(StyleforgeError):
    """A model or checkpoint file that is missing, malformed or unsafe."""
