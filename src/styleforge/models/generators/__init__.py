from . import dcgan, light, mlp, resnet, unet  # noqa: F401  (registers the generators)
