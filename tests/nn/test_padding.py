"""nn/padding.py: reflection padding that stays bf16 under CPU autocast, numbers unchanged."""
import torch
from torch import nn

from styleforge.nn.padding import ReflectConv2d, ReflectionPad2d


def test_pad_keeps_bf16_under_autocast_with_the_same_values():
    x = torch.randn(2, 3, 9, 7).to(torch.bfloat16)
    ours, theirs = ReflectionPad2d((1, 2, 3, 1)), nn.ReflectionPad2d((1, 2, 3, 1))
    with torch.autocast("cpu", dtype=torch.bfloat16):
        mine, stock = ours(x), theirs(x)
    assert stock.dtype == torch.float32  # autocast's fp32 detour, which this module avoids
    assert mine.dtype == torch.bfloat16
    assert torch.equal(mine.float(), stock)
    assert torch.equal(ours(x.float()), theirs(x.float()))  # outside autocast: plain reflection padding


def test_reflect_conv_matches_stock_conv_forward_backward_and_state():
    torch.manual_seed(0)
    stock = nn.Conv2d(4, 5, 3, 2, 1, padding_mode="reflect")
    ours = ReflectConv2d(4, 5, 3, 2, 1)
    ours.load_state_dict(stock.state_dict())  # same keys: exported weights load either way
    x = torch.randn(2, 4, 11, 10, requires_grad=True)
    y = torch.randn(2, 5, 6, 5)
    (stock(x) * y).sum().backward()
    grads = x.grad.clone(), stock.weight.grad.clone()
    x.grad = None
    (ours(x) * y).sum().backward()
    assert torch.allclose(ours(x), stock(x), atol=1e-6)
    assert torch.allclose(x.grad, grads[0], atol=1e-5) and torch.allclose(ours.weight.grad, grads[1], atol=1e-5)
    with torch.autocast("cpu", dtype=torch.bfloat16):  # under autocast: the conv's bf16 result either way
        a, b = ours(x.to(torch.bfloat16)), stock(x.to(torch.bfloat16))
    assert a.dtype == b.dtype == torch.bfloat16 and torch.equal(a, b)
