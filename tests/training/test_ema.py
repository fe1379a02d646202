"""EMA of a generator: the averaged weights get batch-norm statistics of their own."""
import torch

from styleforge.models import GENERATORS
from styleforge.training.ema import EMA, has_batch_norm, recalibrate_batch_norm


def _noise(n, seed):
    return torch.randn(n, 16, generator=torch.Generator().manual_seed(seed))


def _drifted_pair():
    """A DCGAN generator whose weights moved away from its EMA copy, with statistics tracked for the live
    weights only (what training leaves behind)."""
    torch.manual_seed(0)
    live = GENERATORS.create("dcgan", image_size=28, channels=1, latent_dim=16, base_channels=8)
    ema = EMA(live, decay=0.9, calibration=lambda: [_noise(256, s) for s in range(4)])
    with torch.no_grad():
        for p in live.parameters():
            p.mul_(1.5).add_(0.05 * torch.randn_like(p))
    live.train()
    with torch.no_grad():
        for s in range(20):
            live(_noise(64, 100 + s))
    ema.update(live)
    return live, ema


def test_recalibrated_statistics_match_the_averaged_weights():
    live, ema = _drifted_pair()
    z = _noise(2048, 999)
    copied = ema.module(z).detach()
    with torch.no_grad():
        batch_stats = ema.module.train()(z)  # what the averaged weights really produce
    ema.module.eval()
    recalibrated = ema.ready()(z).detach()
    assert not ema.module.training
    err_copied, err_recal = (copied - batch_stats).abs().mean(), (recalibrated - batch_stats).abs().mean()
    assert err_recal < 0.2 * err_copied, (err_recal, err_copied)


def test_ready_reestimates_once_per_update_and_restores_momentum():
    live, ema = _drifted_pair()
    calls = []
    ema.calibration = lambda: calls.append(1) or [_noise(64, 1)]
    ema.ready(), ema.ready()
    assert len(calls) == 1
    ema.update(live)
    ema.ready()
    assert len(calls) == 2
    assert all(m.momentum == 0.1 for m in ema.module.modules() if isinstance(m, torch.nn.BatchNorm2d))


def test_networks_without_batch_norm_keep_their_buffers():
    net = torch.nn.Sequential(torch.nn.Linear(4, 4))
    assert not has_batch_norm(net)
    assert EMA(net, 0.9, calibration=lambda: [torch.zeros(2, 4)]).calibration is None
    bn = torch.nn.BatchNorm1d(3)
    recalibrate_batch_norm(bn, [torch.tensor([[1.0, 2.0, 3.0], [3.0, 4.0, 5.0]])])
    assert torch.allclose(bn.running_mean, torch.tensor([2.0, 3.0, 4.0]))
