from . import dcgan, mlp  # noqa: F401  (registers the discriminators)
