"""The trainer: devices, data feeding, optimisers, schedule, EMA, checkpoints, logging, export.

It knows recipes only through the `Recipe` contract and never names a particular GAN.
"""
from __future__ import annotations

import copy
import json
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import torch

from ..config import Config, from_dict
from ..data import BatchSampler, ImageSet, Preprocess, open_source
from ..data.datasets import data_changes, write_reports
from .. import run_folder as rf
from ..errors import ConfigError, StyleforgeError
from ..files import atomic_path, atomic_write_text
from ..imageio import labelled_grid, make_grid, save_image, to_uint8
from ..models import save_pretrained
from ..recipes import Recipe, build_recipe
from ..specs import parse_names
from . import distributed as dist
from .checkpoint import load_checkpoint, rng_state, save_checkpoint, set_rng_state
from .ema import EMA
from .plots import plot_curves
from .run_dir import new_run_dir
from .run_log import RunLogger
from .stepper import Stepper

StepCallback = Callable[["Trainer", int, dict], None]  # (trainer, step, losses)
PREVIEW_AFTER_S = 60.0  # a first preview after this much training


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ConfigError("config key 'train.device' is 'cuda' but no CUDA device is available")
    return torch.device(name)


def load_domains(config: Config, sources: dict[str, tuple[str, str]]) -> dict[str, ImageSet]:
    """Load the image sets a recipe trains on ({batch key: (source, path)}, Recipe.data_sources): the
    'content' photos with data.limit, every other (style) set also with data.style_limit."""
    d = config.data
    common = dict(load_size=d.load_size or d.image_size, limit=d.limit, holdout_fraction=d.holdout_fraction,
                  max_pixels=d.max_pixels, background=d.background)
    style_kwargs = {**common, "limit": d.style_limit or d.limit}
    sets = {}
    for domain, (source, path) in sources.items():
        if domain == "content" and not source:
            raise ConfigError("config key 'data.content' is empty; this recipe needs a folder of content photos")
        sets[domain] = open_source(source, path, **(common if domain == "content" else style_kwargs))
    return sets


@dataclass
class _Feed:
    """One domain's images, batch order and augmentation."""

    images: ImageSet
    sampler: BatchSampler
    preprocess: Preprocess
    seed: int

    def batch(self, step: int) -> torch.Tensor:
        idx = self.sampler.indices(step)
        pick = self.images.images[idx] if not isinstance(self.images.images, list) else [self.images.images[i] for i in idx]
        generator = torch.Generator().manual_seed(self.seed * 7_919 + step)
        return self.preprocess(pick, generator)

    def fixed(self, n: int) -> torch.Tensor:
        """The first n images (fewer if the set is smaller), preprocessed with a fixed seed: sample-grid inputs."""
        images = self.images.images[:n]
        return self.preprocess(images, torch.Generator().manual_seed(self.seed))


class _SilentLogger:
    """What processes other than rank 0 log: nothing."""

    def log(self, *args, **kwargs):
        pass

    progress = image = close = phase = tick = log


@dataclass
class Trainer:
    config: Config
    run_dir: Path
    callbacks: list[StepCallback] = field(default_factory=list)

    def __post_init__(self):
        cfg = self.config
        t = cfg.train
        if t.threads:
            torch.set_num_threads(t.threads)
        self.rank, self.world = dist.setup()
        self.main = self.rank == 0  # only the main process writes logs, samples, checkpoints and exports
        if self.main and t.progress:
            from ..runtime import describe_threads
            print(describe_threads(torch.get_num_threads()))
        self.device = dist.local_device(resolve_device(t.device))
        if t.cudnn_benchmark:
            torch.backends.cudnn.benchmark = True
        self.amp_dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(t.amp)
        self.scaler = torch.amp.GradScaler(self.device.type) if t.amp == "fp16" else None
        sets = load_domains(cfg, self._recipe_class().data_sources(cfg))
        if self.main:
            self._warn_if_data_changed([s.report for s in sets.values()])
            write_reports([s.report for s in sets.values()], self.run_dir / rf.DATA_REPORT)
            for s in sets.values():
                print(s.report.summary() + (f" (details: {self.run_dir / rf.DATA_REPORT})" if s.report.skipped else ""))
        channels = next(iter(sets.values())).channels
        torch.manual_seed(t.seed)
        self.recipe: Recipe = build_recipe(cfg, channels)
        self.recipe.networks.to(self.device)
        self.stepper = Stepper.adam(self.recipe.optimizer_groups(), betas=(t.beta1, t.beta2), scaler=self.scaler,
                                    grad_clip=t.grad_clip)
        self.optimizers = self.stepper.optimizers
        self.base_lrs = {name: opt.param_groups[0]["lr"] for name, opt in self.optimizers.items()}
        self.ema = {name: EMA(self.recipe.networks[name], t.ema_decay, self._calibration_batches)
                    for name in self.recipe.ema_networks if t.ema_decay > 0}
        pre = Preprocess(cfg.data.image_size, cfg.data.load_size, cfg.data.crop, cfg.data.flip,
                         cfg.data.rotate_degrees, cfg.data.scale_min, cfg.data.scale_max)
        self.feeds = {name: _Feed(s, BatchSampler(len(s), t.batch_size, seed=t.seed + i, rank=self.rank,
                                                  world_size=self.world), pre, t.seed + i + 1_000_003 * self.rank)
                      for i, (name, s) in enumerate(sets.items())}
        self.step = 0
        first = {name: feed.fixed(t.sample_count) for name, feed in self.feeds.items()}
        self.sample_inputs = self.recipe.sample_inputs(first, t.sample_count, torch.Generator().manual_seed(t.seed))
        self.rollbacks = 0  # non-finite-loss recoveries in this process (see _recover)
        self.nonfinite_in_a_row = 0  # consecutive steps whose update was withheld for a NaN/inf loss
        self.saved_step: int | None = None  # step of the last checkpoint this process wrote or loaded
        self.evaluator = None
        if t.eval_every and self.recipe.task == "image" and self.main:
            from .periodic_eval import HeldOutEvaluator
            self.evaluator = HeldOutEvaluator(cfg)
        if t.keep_best and not (t.eval_every and self.recipe.task == "image"):
            raise ConfigError("train.keep_best needs train.eval_every > 0 and an image-to-image recipe")
        if t.keep_best and "swd" not in parse_names(t.eval_metrics):
            raise ConfigError("train.keep_best selects by eval_swd: keep 'swd' in train.eval_metrics")
        self.best: dict | None = None  # {"eval_swd", "step", "weights"} of the best held-out evaluation so far
        self.elapsed = 0.0  # seconds spent training, over every resume (train.minutes)

    def _warn_if_data_changed(self, reports) -> None:
        """On resume: say so when the images differ from those the run started with (deleted, added, edited)."""
        path = self.run_dir / rf.DATA_REPORT
        try:
            before = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        changes = data_changes(before if isinstance(before, list) else [], reports)
        if changes:
            print("warning: the data changed since this run started (" + "; ".join(changes) + "): the resumed "
                  "run goes on with the images found now, so it is no longer an exact continuation", file=sys.stderr)

    def _recipe_class(self):
        from ..recipes import RECIPES
        return RECIPES.get(self.config.recipe)

    # ------------------------------------------------------------------ state

    def state_dict(self) -> dict:
        return {"version": 1, "step": self.step, "config": self.config.to_json(),
                "networks": {k: v.state_dict() for k, v in self.recipe.networks.items()},
                "ema": {k: e.module.state_dict() for k, e in self.ema.items()},
                "optimizers": {k: o.state_dict() for k, o in self.optimizers.items()},
                "grad_scaler": self.scaler.state_dict() if self.scaler is not None else {},
                "recipe": self.recipe.extra_state(), "rng": rng_state(), "best": self.best or {},
                "elapsed_s": self.elapsed}

    def load_state_dict(self, state: dict) -> None:
        for name, net in self.recipe.networks.items():
            net.load_state_dict(state["networks"][name])
        for name, ema in self.ema.items():
            ema.module.load_state_dict(state["ema"][name])
            ema.stale = True
        for name, opt in self.optimizers.items():
            opt.load_state_dict(state["optimizers"][name])
        self.recipe.load_extra_state(state.get("recipe", {}))
        if self.scaler is not None and state.get("grad_scaler"):
            self.scaler.load_state_dict(state["grad_scaler"])
        set_rng_state(state["rng"])
        self.step = self.saved_step = int(state["step"])
        self.best = state.get("best") or None
        self.elapsed = float(state.get("elapsed_s", 0.0))

    def save(self) -> None:
        """Checkpoint, then export. A failed write (disk full, read-only folder) stops the run with a clear
        message; the previous checkpoint is untouched (see files.atomic_path)."""
        path = self.run_dir / rf.CHECKPOINT
        if not self.main:
            self.saved_step = self.step
            return
        try:
            save_checkpoint(self.state_dict(), path)
            self.export()
        except OSError as exc:
            kept = f"the last good checkpoint (step {self.saved_step}) is intact" if self.saved_step is not None \
                else "no checkpoint was written yet"
            raise StyleforgeError(f"{exc.filename or path}: cannot write the checkpoint at step {self.step} "
                                  f"({exc.strerror or exc}); {kept}: free space or fix the folder, then "
                                  f"resume with `styleforge train --resume {self.run_dir}`") from None
        self.saved_step = self.step

    MAX_SKIPS, MAX_ROLLBACKS = 3, 3

    def _recover(self, bad: list[str]) -> None:
        """More than MAX_SKIPS non-finite steps in a row: roll back to the last checkpoint with halved
        learning rates, or, after MAX_ROLLBACKS rollbacks, stop with a clear message."""
        self.rollbacks += 1
        where = f"non-finite loss ({', '.join(bad)}) at step {self.step + 1}"
        path = self.run_dir / rf.CHECKPOINT
        if self.rollbacks > self.MAX_ROLLBACKS or not path.is_file():
            raise StyleforgeError(f"{where}; stopped after {self.rollbacks - 1} rollbacks with halved learning "
                                  f"rates: lower train.lr_* or check the data (last good checkpoint kept)")
        scale = 0.5 ** self.rollbacks
        spent = self.elapsed  # the discarded steps took wall-clock time too: the budget (train.minutes) keeps it
        self.load_state_dict(load_checkpoint(path))
        self.elapsed = spent
        self.base_lrs = {k: v * 0.5 for k, v in self.base_lrs.items()}
        self.logger.log(self.step, {"rollback": self.rollbacks, "lr_scale_after_rollback": scale})
        print(f"\n{where}: rolled back to step {self.step} with learning rates x{scale:g}", flush=True)

    def _calibration_batches(self) -> list[torch.Tensor]:
        """The recipe's calibration inputs (same seed every time: no draw on the training RNG), on the device."""
        batches = self.recipe.calibration_inputs(torch.Generator().manual_seed(self.config.train.seed + 7))
        return [b.to(self.device) for b in batches or []]

    def export_module(self) -> torch.nn.Module:
        """The network that export/ receives: the EMA copy of the recipe's export network where there is one."""
        name = self.recipe.export_network
        return self.ema[name].ready() if name in self.ema else self.recipe.networks[name]

    def export(self) -> Path:
        """export/ <- the export module, or under train.keep_best its weights at the best evaluation."""
        name, module, step = self.recipe.export_network, self.export_module(), self.step
        extra = {}
        if self.best is not None:
            module = copy.deepcopy(module)
            module.load_state_dict(self.best["weights"])
            step, extra = self.best["step"], {"best_eval_swd": self.best["eval_swd"], "last_step": self.step}
        t = self.config.train
        progress = {"planned_steps": t.steps, "budget_minutes": t.minutes, "trained_s": round(self.elapsed, 1),
                    "complete": self.step >= t.steps or self.budget_spent()}  # False: an interrupted run
        return save_pretrained(module, self.run_dir / rf.EXPORT, kind="generator",
                               metadata={**self.recipe.export_metadata(), "step": step, "ema": name in self.ema,
                                         **progress, **extra})

    def evaluate(self) -> None:
        """Held-out scores to the log; under train.keep_best, remember the weights when eval_swd improves."""
        module = self.export_module()
        scores = self.evaluator(module, self.device)
        self.logger.log(self.step, scores)
        if self.config.train.keep_best and (self.best is None or scores["eval_swd"] < self.best["eval_swd"]):
            self.best = {"eval_swd": scores["eval_swd"], "step": self.step,
                         "weights": {k: v.detach().clone() for k, v in module.state_dict().items()}}

    # ------------------------------------------------------------------ loop

    def _set_learning_rates(self) -> None:
        t = self.config.train
        start = t.lr_decay_start * t.steps
        factor = 1.0 if self.step < start else max(0.0, 1.0 - (self.step - start) / max(1.0, t.steps - start))
        for name, opt in self.optimizers.items():
            for group in opt.param_groups:
                group["lr"] = self.base_lrs[name] * factor

    def budget_spent(self) -> bool:
        minutes = self.config.train.minutes
        return minutes > 0 and self.elapsed >= 60 * minutes

    def write_samples(self) -> Path | None:
        """samples/step-N.png, and the same grid as preview.png (the latest look at the run)."""
        if not self.main:
            return None
        nets = dict(self.recipe.networks.items())
        nets.update({k: e.ready() for k, e in self.ema.items()})
        was_training = {k: n.training for k, n in nets.items()}
        for n in nets.values():
            n.eval()
        images = self.recipe.render_samples(self.sample_inputs.to(self.device), nets).cpu()
        for k, n in nets.items():
            n.train(was_training[k])
        labels = self.recipe.sample_labels()
        grid = labelled_grid(images, labels) if labels and len(images) % len(labels) == 0 else make_grid(images)
        path = save_image(grid, self.run_dir / rf.SAMPLES / f"step-{self.step:07d}.png")
        with atomic_path(self.run_dir / rf.PREVIEW) as tmp:
            tmp.write_bytes(path.read_bytes())
        self.logger.image("samples", to_uint8(grid), self.step)
        return path

    def fit(self) -> Path:
        t = self.config.train
        self.logger = RunLogger(self.run_dir, t.steps, self.step, t.tensorboard, t.progress) if self.main \
            else _SilentLogger()
        images_per_step = t.batch_size * len(self.feeds)
        window_start, window_steps = time.perf_counter(), 0
        previewed = self.elapsed >= PREVIEW_AFTER_S
        self.recipe.announce = self.logger.phase  # a recipe's long step (e.g. a search) says what it does
        interrupted = False
        try:
            if self.step == 0:
                self.write_samples()
                self.save()  # a good state to roll back to from the first step on
            while self.step < t.steps and not self.budget_spent():
                step_start = time.perf_counter()
                batch = {name: feed.batch(self.step).to(self.device, non_blocking=True) for name, feed in self.feeds.items()}
                self._set_learning_rates()
                self.logger.phase(self.recipe.phase())
                buffers = [b.detach().clone() for b in self.recipe.networks.buffers()]  # e.g. batch-norm statistics
                with torch.autocast(self.device.type, dtype=self.amp_dtype, enabled=self.amp_dtype is not None):
                    losses = self.recipe.training_step(batch, self.stepper)
                bad = [k for k, v in losses.items() if not math.isfinite(v)]
                if bad:  # the stepper withheld those updates; the batch is consumed
                    for b, saved in zip(self.recipe.networks.buffers(), buffers):
                        b.copy_(saved)  # a NaN forward pass also polluted the running statistics
                    self.nonfinite_in_a_row += 1
                    self.logger.log(self.step + 1, {"nonfinite_skipped": self.nonfinite_in_a_row,  # and what was seen
                                                    **{k: v for k, v in losses.items() if math.isfinite(v)}})
                    if self.nonfinite_in_a_row > self.MAX_SKIPS:
                        self.elapsed += dist.broadcast(time.perf_counter() - step_start)
                        self._recover(bad)
                        self.nonfinite_in_a_row = 0
                        continue
                else:
                    self.nonfinite_in_a_row = 0
                    for name, ema in self.ema.items():
                        ema.update(self.recipe.networks[name])
                self.step += 1
                window_steps += 1
                if (self.step % t.log_every == 0 or self.step == t.steps) and not bad:
                    elapsed = time.perf_counter() - window_start
                    speed = window_steps * images_per_step / max(elapsed, 1e-9)
                    self.logger.log(self.step, {**losses, "images_per_s": speed, "elapsed_s": round(self.elapsed, 2),
                                                "lr_scale": self.optimizers[next(iter(self.optimizers))].param_groups[0]["lr"]
                                                / max(self.base_lrs[next(iter(self.optimizers))], 1e-30)})
                    self.logger.progress(self.step, {**losses, "img/s": speed})
                    window_start, window_steps = time.perf_counter(), 0
                if self.step % t.sample_every == 0:
                    self.write_samples()
                if self.evaluator is not None and self.step % t.eval_every == 0:
                    self.evaluate()
                if self.step % t.checkpoint_every == 0 and not self.nonfinite_in_a_row:
                    self.save()  # never while steps are being withheld: the rollback target must be good
                for callback in self.callbacks:
                    callback(self, self.step, losses)
                self.elapsed += dist.broadcast(time.perf_counter() - step_start)  # every rank stops together
                self.logger.tick(self.step, self.elapsed)
                if not previewed and self.elapsed >= PREVIEW_AFTER_S:
                    previewed = True
                    self.write_samples()  # the first look, a minute in
            if self.budget_spent() and self.step < t.steps and self.main:
                print(f"\ntime budget of {t.minutes:g} minutes spent at step {self.step}; checkpoint and "
                      f"export written (continue with `styleforge train --resume {self.run_dir} --minutes M`)")
        except KeyboardInterrupt:
            if self.saved_step != self.step:
                self.save()
            if self.main:
                print(f"\ninterrupted at step {self.step} of {t.steps}; checkpoint and export ({self.run_dir / rf.EXPORT}) "
                      f"updated: resume with `styleforge train --resume {self.run_dir}`")
            interrupted = True
            raise
        finally:
            self.logger.close()
            if interrupted:
                self.plot_curves()
        self.save()
        if self.step % t.sample_every:
            self.write_samples()
        self.plot_curves()
        return self.run_dir

    def plot_curves(self) -> None:
        records = rf.read_log(self.run_dir) if self.main else []
        if records:
            plot_curves(records, self.run_dir / rf.LOSS_CURVES)


def train(config: Config, resume: str | Path | None = None, callbacks: list[StepCallback] | None = None) -> Path:
    """Train `config` in a new numbered run folder, or continue the run in `resume`. Returns the run folder.

    On resume, the checkpoint's config is used; `config` may only change train.steps (to extend a run)
    and logging options.
    """
    state = None
    dist.setup()  # under torchrun: join the group before deciding who writes
    if resume is not None:
        state = load_checkpoint(resume)
        run_dir = Path(resume) if Path(resume).is_dir() else Path(resume).parent
        saved = from_dict(json.loads(state["config"]))
        if config is not None:
            saved.train.steps, saved.train.minutes = config.train.steps, config.train.minutes
            saved.train.progress = config.train.progress
        config = saved
    else:
        name = config.run.name or f"{config.recipe}-{Path(config.data.style).name}"
        run_dir = dist.broadcast(new_run_dir(config.run.output_dir, name) if dist.is_main() else None)
        if config.train.amp == "auto":  # resolved once, on rank 0, and saved: a resume keeps the choice
            from ..precision import resolve_amp
            config.train.amp = dist.broadcast(resolve_amp("auto", dist.local_device(resolve_device(config.train.device)))
                                              if dist.is_main() else None)
            if dist.is_main():
                print(f"train.amp=auto: {'bf16 autocast' if config.train.amp == 'bf16' else 'fp32'} on this machine")
    if dist.is_main():
        for stale in [*run_dir.glob(".*.tmp*"), *run_dir.glob("export/.*.tmp*")]:
            stale.unlink(missing_ok=True)  # half-written files of a killed process; the real ones are intact
        atomic_write_text(run_dir / rf.CONFIG, config.to_json())
    trainer = Trainer(config, run_dir, callbacks=list(callbacks or []))
    if state is not None:
        trainer.load_state_dict(state)
        if trainer.main:
            print(f"resuming {run_dir} from step {trainer.step}")
    result = trainer.fit()
    dist.teardown()
    return result
