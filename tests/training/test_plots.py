"""Loss curves: a loss that is zero at every step (a term switched off) is not drawn."""
from styleforge.training.plots import plot_curves


def test_constant_zero_losses_are_left_out(tmp_path, monkeypatch):
    import matplotlib.axes

    drawn = []
    original = matplotlib.axes.Axes.plot
    monkeypatch.setattr(matplotlib.axes.Axes, "plot",
                        lambda self, *a, label=None, **kw: (drawn.append(label), original(self, *a, label=label, **kw))[1])
    records = [{"step": s, "loss_g": 1.0 / (s + 1), "loss_identity": 0.0, "loss_d": 0.5} for s in range(5)]
    path = plot_curves(records, tmp_path / "curves.png")
    assert path.is_file() and sorted(drawn) == ["loss_d", "loss_g"]
