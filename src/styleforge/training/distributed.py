"""Multi-process training (torchrun / torch.distributed): data parallel by explicit gradient averaging.

`torchrun --nproc_per_node=N -m styleforge train ...` sets RANK / WORLD_SIZE / LOCAL_RANK; `setup()` then
joins the process group (NCCL on GPUs, gloo on CPUs). Every process builds the same networks from the same
seed, takes its own slice of each global batch (data.sampler.BatchSampler), and `training.stepper.Stepper`
averages the gradients over processes before each optimiser step, so N processes x batch B take the same
steps as one process x batch N*B (up to batch-dependent layers such as batch norm). Only rank 0 writes.
"""
from __future__ import annotations

import os

import torch
import torch.distributed as dist


def setup() -> tuple[int, int]:
    """Join the process group if launched by torchrun. -> (rank, world_size); (0, 1) for a single process."""
    if int(os.environ.get("WORLD_SIZE", "1")) > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    return (dist.get_rank(), dist.get_world_size()) if dist.is_initialized() else (0, 1)


def world_size() -> int:
    return dist.get_world_size() if dist.is_initialized() else 1


def is_main() -> bool:
    return not dist.is_initialized() or dist.get_rank() == 0


def local_device(device: torch.device) -> torch.device:
    """cuda -> cuda:LOCAL_RANK under torchrun; anything else unchanged."""
    if device.type == "cuda" and dist.is_initialized():
        return torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
    return device


def all_true(flag: bool, device: torch.device | str = "cpu") -> bool:
    """True only if `flag` holds on every process."""
    if world_size() == 1:
        return flag
    t = torch.tensor(1.0 if flag else 0.0, device=device)
    dist.all_reduce(t, op=dist.ReduceOp.MIN)
    return bool(t.item())


def average_gradients(params) -> None:
    world = world_size()
    if world == 1:
        return
    for p in params:
        if p.grad is not None:
            dist.all_reduce(p.grad)
            p.grad.div_(world)


def broadcast(obj):
    """Rank 0's value of a picklable object, on every process (e.g. the run folder it created)."""
    if world_size() == 1:
        return obj
    box = [obj]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def teardown() -> None:
    """Leave the process group together (a process that exits while its peer still talks to it aborts)."""
    if dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()
