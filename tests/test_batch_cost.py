"""The claims of "What a step costs" in docs/mini-batches.md: an update runs the same operations at
every batch size, so it takes about as long at B = 256 as at B = 1, and an epoch costs about as
much as its number of updates.

A measured time differs between runs, so no test here compares a time with a tight threshold:
the operations are counted (deterministic, with a second counter, torch.profiler, beside the
page's), the timing function's arithmetic is checked with a clock we control, and the one test that
times anything allows a factor of 10 where the page claims about 1 and counting examples would
give 256 (robust on a loaded two-core machine: the fastest of five runs of each size)."""

import math
from unittest import mock

import pytest
import torch
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from torch.profiler import ProfilerActivity, profile

from conftest import assert_close
from snippets import mini_batches as mb
from snippets.drawing import line_problem, render
from snippets.drawing import mini_batches as draw

SIZES = (1, 16, 256)


def profiled_ops(batch_size, updates):
    """The aten operations torch.profiler records in train on `updates` batches of batch_size."""
    x, y = draw.make_data(n=updates * batch_size)
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        mb.train(x, y, batch_size, epochs=1)
    return sum(e.count for e in prof.key_averages() if e.key.startswith("aten::"))


def test_one_update_runs_the_same_operations_at_every_batch_size():
    counted = {b: draw.ops_per_update(b) for b in SIZES}
    assert len(set(counted.values())) == 1 and counted[1] == int(counted[1]) > 5
    # a second counter, which also records the operations inside operations: per update, the
    # difference between 32 updates and 16, the same at every batch size too
    per_update = {b: (profiled_ops(b, 32) - profiled_ops(b, 16)) / 16 for b in SIZES}
    assert len(set(per_update.values())) == 1, per_update
    assert per_update[1] >= counted[1]
    said = draw.ops_sentence()
    assert f"runs {int(counted[1])} PyTorch operations" in said and "alike" in said


def test_the_timing_is_the_fastest_run_divided_by_the_updates_on_one_thread():
    x, y = draw.make_data(n=32)
    clock = mock.Mock(side_effect=[0.0, 1.0, 10.0, 10.5, 20.0, 23.0])  # 1, 0.5 and 3 s
    threads = []

    def train(*_, **__):
        threads.append(torch.get_num_threads())

    with (
        mock.patch.object(mb.time, "perf_counter", clock),
        mock.patch.object(mb, "train", train),
    ):
        seconds = mb.seconds_per_update(x, y, 8, epochs=2, repeats=3)
    assert threads == [1, 1, 1]
    assert_close(seconds, 0.5 / (2 * 32 / 8), rtol=1e-15)


def test_the_thread_count_is_put_back_even_when_train_fails():
    before = torch.get_num_threads()
    x, y = draw.make_data(n=8)
    with (
        mock.patch.object(mb, "train", side_effect=RuntimeError("stop")),
        pytest.raises(RuntimeError, match="stop"),
    ):
        mb.seconds_per_update(x, y, 4)
    assert torch.get_num_threads() == before


def test_an_update_of_256_examples_costs_far_less_than_256_updates_of_one():
    # the page: "about as long"; counting examples: 256 times as long; allowed here: 10 times
    x, y = draw.make_data()
    one = mb.seconds_per_update(x, y, 1, epochs=1, repeats=5)
    whole = mb.seconds_per_update(x, y, 256, epochs=64, repeats=5)
    assert whole < 10 * one, (whole, one)


def test_an_epoch_costs_its_updates_times_the_time_of_one():
    sizes, per_update, per_epoch = draw.cost_run(*draw.make_data(n=256))
    assert sizes == draw.COST["batch_sizes"] == [2**k for k in range(9)]
    for b, u, e in zip(sizes, per_update, per_epoch):
        assert_close(e, u * 256 / b, rtol=1e-12)
        assert 0 < u < 1  # seconds: one update is far below a second


def test_at_equal_time_the_middle_batch_is_ahead_of_batch_size_one():
    # at equal updates, that is, at equal time: by hand in float64, on train's own orders
    x, y = (t.double() for t in draw.make_data())
    g = torch.Generator().manual_seed(0)
    orders = [torch.randperm(len(y), generator=g) for _ in range(draw.RACE["epochs"])]
    loss = {}
    for b in (1, 16):
        a = torch.tensor([-1.0, 1.0], dtype=torch.float64)
        for t, idx in enumerate(torch.cat(orders).split(b)):
            if t == 80:
                break
            a = a - draw.RACE["lr"] * 2 / b * x[idx].T @ (x[idx] @ a - y[idx])
        loss[b] = ((x @ a - y) ** 2).mean().item()
    assert loss[16] < loss[1]
    xf, yf = draw.make_data()
    paths = draw.race_paths(xf, yf)
    said = draw.cost_race_sentence(xf, yf, paths)
    ran = {b: line_problem.losses(xf, yf, paths[b])[80].item() for b in (1, 16)}
    assert_close(ran[16], loss[16], rtol=1e-4) and assert_close(
        ran[1], loss[1], rtol=1e-4
    )
    assert "After 80 updates" in said and f"is at loss {ran[16]:.4f}" in said
    assert f"$B$ = 1 at {ran[1]:.4f}, with 1200 of its updates still to come" in said
    assert "$B$ = 256 spent 5 updates' time" in said


def test_the_sentence_says_how_the_times_were_measured():
    said = draw.cost_sentence()
    assert "from 1 to 256" in said and "one thread" in said
    assert f"at least {draw.COST['updates']} updates" in said
    assert f"in {draw.COST['repeats']} rounds over all the sizes" in said
    assert f"the fastest of its {draw.COST['repeats']} runs" in said


def test_the_cost_figure_draws_the_measured_times_and_the_count_of_examples_in_both_themes():
    sizes = draw.COST["batch_sizes"]
    per_update = [1e-4 * (1 + 0.01 * k) for k in range(len(sizes))]
    per_epoch = [t * 256 / b for t, b in zip(per_update, sizes)]
    for theme, palette in render.PALETTES.items():
        fig = draw.plot_cost(sizes, per_update, per_epoch, 256, theme=theme)
        assert isinstance(fig, Figure) and len(fig.axes) == 2
        for ax, measured in zip(fig.axes, (per_update, per_epoch)):
            dashed, points = ax.get_lines()
            assert list(points.get_xdata()) == sizes
            scale = 1e6 if ax is fig.axes[0] else 1e3
            assert_close(
                torch.tensor(points.get_ydata(), dtype=torch.float64),
                torch.tensor(measured, dtype=torch.float64) * scale,
                rtol=1e-12,
            )
            assert to_hex(points.get_color()) == palette["role"]["path"]
            assert to_hex(dashed.get_color()) == palette["muted"]
            assert (
                len(ax.texts) == 3
            )  # the times at B = 1, 16 and 256, written beside them
            assert ax.get_xscale() == ax.get_yscale() == "log"
        # counting examples: 256 times the time per update at B = 256, the same per epoch
        up, ep = (ax.get_lines()[0].get_ydata() for ax in fig.axes)
        assert math.isclose(up[-1] / up[0], 256) and math.isclose(ep[-1] / ep[0], 1)
        assert to_hex(fig.get_facecolor()) == palette["bg"]
