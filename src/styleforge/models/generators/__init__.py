from . import dcgan, mlp, resnet  # noqa: F401  (registers the generators)
