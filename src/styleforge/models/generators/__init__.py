from . import dcgan, light, mlp, multistyle, resnet, unet  # noqa: F401  (registers the generators)
