"""PatchNCE (Park et al. 2020, CUT): a patch of the output should match the input patch at the same place.

For one layer, with q = projected output features and k = projected input features, both L2-normalised,
sampled at P patch locations per image: logits[i, j] = q_i · k_j / tau over the P patches of the same image;
the loss is cross-entropy with target i (the positive is the same location; negatives are the others).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class PatchSampleMLP(nn.Module):
    """Per-layer 2-layer MLP heads; samples the same patch locations from query and key features."""

    def __init__(self, in_channels: list[int], out_channels: int = 256):
        super().__init__()
        self.heads = nn.ModuleList(nn.Sequential(nn.Linear(c, out_channels), nn.ReLU(True),
                                                 nn.Linear(out_channels, out_channels)) for c in in_channels)

    def forward(self, features: list[torch.Tensor], patches: int, ids: list[torch.Tensor] | None = None):
        """features[l]: (N, C_l, H_l, W_l) -> (list of (N, P, D) normalised, the sampled ids per layer)."""
        out, chosen = [], []
        for layer, (feat, head) in enumerate(zip(features, self.heads)):
            n, c, h, w = feat.shape
            flat = feat.flatten(2).transpose(1, 2)  # (N, HW, C)
            if ids is None:
                idx = torch.randperm(h * w, device=feat.device)[: min(patches, h * w)]
            else:
                idx = ids[layer]
            out.append(F.normalize(head(flat[:, idx]), dim=-1))
            chosen.append(idx)
        return out, chosen


def patch_nce(query: torch.Tensor, key: torch.Tensor, temperature: float = 0.07) -> torch.Tensor:
    """query, key: (N, P, D) normalised -> mean cross-entropy of matching each query patch to its key."""
    logits = torch.bmm(query, key.detach().transpose(1, 2)) / temperature  # (N, P, P)
    target = torch.arange(logits.shape[1], device=logits.device).expand(logits.shape[0], -1)
    return F.cross_entropy(logits.flatten(0, 1), target.flatten())


def layered_patch_nce(encode, heads: PatchSampleMLP, source: torch.Tensor, output: torch.Tensor, patches: int,
                      temperature: float = 0.07) -> torch.Tensor:
    """NCE(source, output) averaged over layers: `encode(x)` -> list of feature maps (N, C_l, H_l, W_l);
    the same patch locations are sampled from both images. The keys get no gradient (patch_nce detaches
    them), so their pass keeps no graph: less peak memory, the same loss and gradients."""
    with torch.no_grad():
        keys, ids = heads(encode(source), patches)
    queries, _ = heads(encode(output), patches, ids)
    return sum(patch_nce(q, k, temperature) for q, k in zip(queries, keys)) / len(keys)
