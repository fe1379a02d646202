import math

import torch
import torch.nn.functional as F

from styleforge.losses import PatchSampleMLP, patch_nce


def test_matching_patches_give_low_loss_random_give_log_p():
    torch.manual_seed(0)
    k = F.normalize(torch.randn(2, 64, 16), dim=-1)
    same = patch_nce(k, k, temperature=0.07).item()
    shuffled = patch_nce(k[:, torch.randperm(64)], k, temperature=0.07).item()
    uniform = patch_nce(torch.zeros(2, 64, 16), k, temperature=0.07).item()
    assert same < 0.5 < shuffled
    assert abs(uniform - math.log(64)) < 1e-4  # no information: cross-entropy of a uniform guess


def test_sampler_uses_the_same_locations_for_query_and_key():
    torch.manual_seed(0)
    mlp = PatchSampleMLP([3, 8], out_channels=4)
    feats = [torch.randn(2, 3, 8, 8), torch.randn(2, 8, 4, 4)]
    keys, ids = mlp(feats, patches=10)
    queries, ids2 = mlp(feats, patches=10, ids=ids)
    assert [k.shape for k in keys] == [(2, 10, 4), (2, 10, 4)]
    assert all(torch.equal(a, b) for a, b in zip(ids, ids2))
    assert all(torch.allclose(q, k) for q, k in zip(queries, keys))
    assert torch.allclose(keys[0].norm(dim=-1), torch.ones(2, 10))


def test_key_is_not_trained_through():
    q = F.normalize(torch.randn(1, 8, 4), dim=-1).requires_grad_()
    k = F.normalize(torch.randn(1, 8, 4), dim=-1).requires_grad_()
    patch_nce(q, k).backward()
    assert q.grad is not None and k.grad is None
