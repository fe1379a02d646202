"""sort_values: torch.sort's values and gradients, through NumPy on a CPU."""
import pytest
import torch

from styleforge.nn.sorting import sort_values


def _distinct(shape, g):
    """(N, D) float32 whose every column and row holds distinct values (a unique destination for each gradient)."""
    x = torch.randperm(shape[0] * shape[1], generator=g).view(shape).double()
    return (x + 0.25 * torch.rand(shape, generator=g, dtype=torch.float64)).float()


@pytest.mark.parametrize("shape, threads", [((1000, 7), 1), ((70000, 3), 2), ((5, 1), 2), ((3, 40000), 2)])
@pytest.mark.parametrize("dim", [0, 1])
def test_values_and_gradients_match_torch_sort(shape, threads, dim, monkeypatch):
    monkeypatch.setattr(torch, "get_num_threads", lambda: threads)  # big ones on 2 threads: the pooled path
    g = torch.Generator().manual_seed(0)
    x = _distinct(shape, g).requires_grad_(True)
    w = torch.randn(shape, generator=g)
    mine = sort_values(x, dim)
    (mine * w).sum().backward()
    grad, x.grad = x.grad.clone(), None
    ref = x.sort(dim).values
    (ref * w).sum().backward()
    assert torch.equal(mine, ref)
    assert torch.equal(grad, x.grad)


def test_without_gradients_and_off_the_fast_path():
    x = torch.randn(300, 4)
    assert torch.equal(sort_values(x), x.sort(0).values)
    assert torch.equal(sort_values(x, -1), x.sort(-1).values)
    with torch.no_grad():
        y = torch.randn(300, 4, requires_grad=True)
        assert torch.equal(sort_values(y), y.sort(0).values)
    half = torch.randn(50, 3).bfloat16()  # NumPy has no bf16: torch.sort
    assert torch.equal(sort_values(half), half.sort(0).values)
