"""The classic results, on real data: DCGAN learns MNIST digits and moves toward CIFAR-10 statistics."""
import pytest
import torch

from styleforge import load_config, train
from styleforge.data import open_source
from styleforge.imageio import to_tensor
from styleforge.inference import NoiseSampler
from styleforge.metrics import classifier_score, train_classifier
from styleforge.models import GENERATORS


def _judge(images=50000, epochs=10, batch_size=128):
    """A judge fitted on the first `images` MNIST images. The benchmark's (50,000, 10 epochs): 98.9% right on the
    other 10,000, 97.8% of those real digits classified with confidence >= 0.9. The default tier's (30,000, 1
    epoch of batch 32; 27 s on an AMD EPYC Zen 3, 1 thread): 98.2% and 94.2% (50,000 x 3 epochs: 98.6% and
    96.8%, but 162 s there)."""
    data = open_source("mnist")
    return train_classifier(to_tensor(data.images[:images]), torch.from_numpy(data.labels[:images]), epochs=epochs,
                            batch_size=batch_size)


def _untrained_generator(config):
    torch.manual_seed(config.train.seed)
    return GENERATORS.create(config.model.generator, image_size=config.data.image_size,
                             channels=1 if config.data.style == "mnist" else 3,
                             latent_dim=config.model.latent_dim, **config.model.generator_args).eval()


def _dcgan_scores(steps, loss, quiet_overrides, judge=(), extra=()):
    """(untrained, trained) classifier scores of 1,000 samples of the mnist preset, changed by `extra`, after
    `steps` steps; `judge`: _judge's arguments."""
    judge = _judge(*judge)
    config = load_config("mnist", quiet_overrides + [f"loss.adversarial={loss}", f"train.steps={steps}",
                                                     f"train.sample_every={steps}", f"train.checkpoint_every={steps}",
                                                     *extra], recipe="dcgan")
    before = classifier_score(judge, NoiseSampler(_untrained_generator(config), config.model.latent_dim).sample(1000))
    after = classifier_score(judge, NoiseSampler.from_pretrained(train(config)).sample(1000))
    return before, after


def test_a_small_dcgan_learns_digits_in_1000_steps(mnist_path, quiet_overrides):
    """The default tier's check of the MNIST bar, scaled to ~3 CPU-minutes: the preset's networks at 32 channels
    with one extra layer per stage, an EMA over ~100 steps, 1,000 steps, the default tier's lighter judge.
    Measured (AMD EPYC Zen 3, 2026-12-03, 1 thread as the suite's workers run): 38.0% (seed 0) and 40.4% (seed 1)
    confident samples, smallest class 4.7-5.9%; at 700 steps 28.8% and 30.6%; the untrained generator ~0%.
    (With the 3-epoch judge of 50,000 images: 49.4% at seed 0; the Zen 5 figures before it, 47.3% / 49.1%.
    The preset's EMA decay of 0.999 still holds much of the random start at 1,000 steps: without the extra
    layer it scored 19.6%, against 42.8% with 0.99.) The slow tier holds the preset itself to the issue's 80%."""
    small = ["model.generator_args={base_channels: 32, extra_layers: 1}",
             "model.discriminator_args={base_channels: 32, minibatch_std: true}", "train.ema_decay=0.99"]
    before, after = _dcgan_scores(1000, "bce", quiet_overrides, judge=(30000, 1, 32), extra=small)
    assert before.confident_fraction < 0.1
    assert after.confident_fraction >= 0.30, after
    assert after.min_class_fraction >= 0.015, after.class_fractions


@pytest.mark.slow
@pytest.mark.parametrize("loss, steps", [("bce", 6000), ("lsgan", 8000)])
def test_dcgan_learns_recognisable_digits(loss, steps, mnist_path, quiet_overrides):
    """The issue's bar: of 1,000 samples >= 80% classified with confidence >= 0.9, every digit >= 3%.
    Measured (benchmarks/dcgan_mnist.py, the mnist preset): 80.3% at 5,000 steps, 83.1% at 6,000 (bce),
    smallest class 7%. lsgan is slower: 79-81% at 6,000 steps."""
    before, after = _dcgan_scores(steps, loss, quiet_overrides)
    assert before.confident_fraction < 0.1
    assert after.confident_fraction >= 0.80, after
    assert after.min_class_fraction >= 0.03, after.class_fractions


def _rgb_frechet(a, b):
    """Fréchet distance between Gaussians fitted to the RGB pixel values of two image sets (N, 3, H, W)."""
    fa, fb = a.permute(1, 0, 2, 3).flatten(1), b.permute(1, 0, 2, 3).flatten(1)
    ma, mb, ca, cb = fa.mean(1), fb.mean(1), torch.cov(fa), torch.cov(fb)
    eig = torch.linalg.eigvals(ca @ cb).real.clamp_min(0)
    return ((ma - mb).pow(2).sum() + ca.trace() + cb.trace() - 2 * eig.sqrt().sum()).item()


def test_cifar10_dcgan_moves_toward_the_data(cifar_path, quiet_overrides):
    """150 steps bring the samples' RGB statistics well toward CIFAR-10's. Measured, trained / untrained RGB
    Frechet distance, 1 thread as the suite's workers run: 0.15, 0.19, 0.27 at seeds 0-2 (AMD EPYC Zen 3,
    2026-12-03, ~36 s each); at 300 steps 0.02, 0.14, 0.18 (AMD EPYC Zen 5, 2026-12-02). The bar is 0.5."""
    config = load_config("cifar10", quiet_overrides + ["train.steps=150", "train.sample_every=150",
                                                       "model.generator_args={base_channels: 32}",
                                                       "model.discriminator_args={base_channels: 32}",
                                                       "train.ema_decay=0"], recipe="dcgan")
    real = to_tensor(open_source("cifar10").images[::10])
    before = _rgb_frechet(NoiseSampler(_untrained_generator(config), config.model.latent_dim).sample(500), real)
    after = _rgb_frechet(NoiseSampler.from_pretrained(train(config)).sample(500), real)
    print(f"cifar10 RGB Frechet: untrained {before:.1f}, trained {after:.1f} ({after / before:.2f})")
    assert after < 0.5 * before, (before, after)
