import numpy as np
import torch

from styleforge.data import BatchSampler, Preprocess


def _images(n=4, h=40, w=60):
    return [np.random.default_rng(i).integers(0, 256, (h, w, 3), dtype=np.uint8) for i in range(n)]


def test_output_shape_and_range():
    pre = Preprocess(32, load_size=36, crop="random", flip=True, rotate_degrees=15, scale_min=1.0, scale_max=1.3)
    out = pre(_images(), torch.Generator().manual_seed(0))
    assert out.shape == (4, 3, 32, 32) and out.min() >= -1 and out.max() <= 1


def test_same_seed_same_batch_other_seed_differs():
    pre = Preprocess(32, load_size=40, crop="random", flip=True, rotate_degrees=10)
    a = pre(_images(), torch.Generator().manual_seed(5))
    b = pre(_images(), torch.Generator().manual_seed(5))
    c = pre(_images(), torch.Generator().manual_seed(6))
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_center_crop_without_augmentation_is_deterministic_crop():
    img = np.arange(40 * 60 * 3, dtype=np.uint8).reshape(40, 60, 3)
    out = Preprocess(40, crop="center")([img], torch.Generator())[0]
    ref = torch.from_numpy(img[:, 10:50].copy()).permute(2, 0, 1).float() / 127.5 - 1
    assert torch.allclose(out, ref)


def test_flip_is_exact_mirror():
    img = np.random.default_rng(0).integers(0, 256, (8, 8, 3), dtype=np.uint8)
    pre = Preprocess(8, flip=True)
    outs = [pre([img], torch.Generator().manual_seed(s))[0] for s in range(20)]
    plain = Preprocess(8)([img], torch.Generator())[0]
    assert any(torch.equal(o, plain.flip(-1)) for o in outs) and any(torch.equal(o, plain) for o in outs)


def test_batch_sampler_covers_each_epoch_and_is_reproducible():
    s = BatchSampler(10, 4, seed=3)
    first_epoch = [i for step in range(5) for i in s.indices(step)][:10]
    assert sorted(first_epoch) == list(range(10))
    assert BatchSampler(10, 4, seed=3).indices(7) == s.indices(7)
    ranks = [BatchSampler(10, 2, seed=3, rank=r, world_size=2).indices(1) for r in range(2)]
    assert ranks[0] + ranks[1] == s.indices(1)
