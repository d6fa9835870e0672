"""The claims of docs/fit-a-line.md, checked with the functions the page runs."""

import io

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure
from PIL import Image

from conftest import defaults, run_program
from snippets import fit_line, render


@pytest.fixture(scope="module")
def data64():
    return fit_line.make_data(dtype=torch.float64)


def test_defaults_are_the_settings_the_page_describes():
    # the prose says: 100 points, y = 3u + 2 + noise, start at a = (-1, 1), lr 0.1, 100 steps
    assert defaults(fit_line.make_data)["n"] == 100
    assert defaults(fit_line.make_data)["a"] == (3.0, 2.0)
    assert defaults(fit_line.fit) == {"a0": (-1.0, 1.0), "lr": 0.1, "steps": 100}
    assert defaults(fit_line.fit_with_optim) == defaults(fit_line.fit)


def test_data_is_a_column_of_inputs_and_a_column_of_ones():
    x, y = fit_line.make_data()
    assert x.shape == (100, 2) and y.shape == (100,)
    assert torch.all(x[:, 1] == 1)
    assert x[:, 0].min() >= -1 and x[:, 0].max() <= 1
    noise = y - x @ torch.tensor([3.0, 2.0])
    assert noise.min() >= -1e-6 and noise.max() < 1 + 1e-6


def test_same_seed_gives_same_data_and_another_seed_does_not():
    x1, y1 = fit_line.make_data(seed=7)
    x2, y2 = fit_line.make_data(seed=7)
    x3, _ = fit_line.make_data(seed=8)
    assert torch.equal(x1, x2) and torch.equal(y1, y2)
    assert not torch.equal(x1, x3)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_loss_falls_at_every_step(dtype):
    x, y = fit_line.make_data(dtype=dtype)
    loss = fit_line.losses(x, y, fit_line.fit(x, y, lr=0.1))
    assert len(loss) == 101
    assert torch.all(loss[1:] < loss[:-1])


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_loss_falls_fast_at_first_then_more_and_more_slowly(dtype):
    x, y = fit_line.make_data(dtype=dtype)
    loss = fit_line.losses(x, y, fit_line.fit(x, y))
    drop = loss[:-1] - loss[1:]
    assert torch.all(drop[1:] < drop[:-1])


def test_backward_adds_to_the_gradient_so_it_must_be_zeroed(data64):
    # the page: without the reset, every step would use the sum of all the gradients so far
    x, y = data64
    a = torch.tensor([-1.0, 1.0], dtype=torch.float64, requires_grad=True)
    fit_line.mse(x @ a, y).backward()
    once = a.grad.clone()
    fit_line.mse(x @ a, y).backward()
    torch.testing.assert_close(a.grad, 2 * once, rtol=0, atol=1e-12)


def test_the_step_must_run_under_no_grad(data64):
    # the page: the step is not part of the model, so autograd must not record it
    x, y = data64
    a = torch.tensor([-1.0, 1.0], dtype=torch.float64, requires_grad=True)
    fit_line.mse(x @ a, y).backward()
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        a -= 0.1 * a.grad


def test_fit_lands_within_0_05_of_least_squares(data64):
    x, y = data64
    a = fit_line.fit(x, y)[-1]
    # independent of fit_line
    best = torch.linalg.lstsq(x, y.unsqueeze(1), driver="gelsd").solution.squeeze(1)
    assert (a - best).abs().max() < 0.05


def test_least_squares_helper_matches_the_normal_equations(data64):
    x, y = data64
    a, loss = fit_line.least_squares(x, y)
    normal = torch.linalg.solve(x.T @ x, x.T @ y)
    torch.testing.assert_close(a, normal, rtol=0, atol=1e-10)
    assert loss == pytest.approx(((x @ normal - y) ** 2).mean().item(), abs=1e-12)


def test_loss_levels_off_on_the_least_squares_minimum(data64):
    x, y = data64
    loss = fit_line.losses(x, y, fit_line.fit(x, y))
    floor = fit_line.least_squares(x, y)[1]
    assert torch.all(loss >= floor - 1e-12)  # no line does better than least squares
    assert (
        loss[-1] - floor < 1e-3 * floor
    )  # and after 100 steps descent is on the floor


def test_uncentred_noise_moves_the_best_intercept_to_about_2_5(data64):
    # the page's note: noise from [0, 1) adds 0.5 on average, so the intercept is near 2.5, not 2
    x, y = data64
    intercept = fit_line.least_squares(x, y)[0][1]
    assert abs(intercept - 2.5) < 0.1
    assert abs(intercept - 2.0) > 0.3


def test_hand_written_update_matches_torch_optim_sgd_step_for_step(data64):
    x, y = data64
    by_hand = fit_line.fit(x, y, lr=0.1, steps=100)
    by_optim = fit_line.fit_with_optim(x, y, lr=0.1, steps=100)
    assert by_hand.dtype == torch.float64
    torch.testing.assert_close(by_hand, by_optim, rtol=0, atol=1e-12)


def test_autograd_gradient_matches_the_formula_at_every_step(data64):
    x, y = data64
    for step in fit_line.fit(x, y, steps=20):
        a = step.clone().requires_grad_(True)
        fit_line.mse(x @ a, y).backward()
        torch.testing.assert_close(
            a.grad, fit_line.gradient(x, y, a.detach()), rtol=0, atol=1e-12
        )


def test_gradient_formula_matches_finite_differences(data64):
    x, y = data64
    a, h = torch.tensor([-1.0, 1.0], dtype=torch.float64), 1e-6
    numeric = torch.stack(
        [
            (fit_line.mse(x @ (a + h * e), y) - fit_line.mse(x @ (a - h * e), y))
            / (2 * h)
            for e in torch.eye(2, dtype=torch.float64)
        ]
    )
    torch.testing.assert_close(fit_line.gradient(x, y, a), numeric, rtol=0, atol=1e-6)


def test_divergence_is_a_result_not_a_crash(data64):
    x, y = data64
    loss = fit_line.losses(x, y, fit_line.fit(x, y, lr=50.0, steps=300))
    assert not torch.isfinite(loss[-1]) or loss[-1] > 1e10


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda x, y: fit_line.fit(x, y, lr=-0.1), "lr must be positive, got -0.1"),
        (lambda x, y: fit_line.fit(x, y, lr=0), "lr must be positive, got 0"),
        (
            lambda x, y: fit_line.fit(x, y, lr=float("nan")),
            "lr must be positive, got nan",
        ),
        (lambda x, y: fit_line.fit(x, y, steps=-1), "steps must be an integer >= 0"),
        (
            lambda x, y: fit_line.fit(x, y[:-1]),
            r"x must be \(n, d\) and y must be \(n,\)",
        ),
        (lambda x, y: fit_line.fit(x[:, 0], y), r"x must be \(n, d\)"),
        (
            lambda x, y: fit_line.fit(x, y, a0=(1.0,)),
            "a0 needs one value per column of x",
        ),
        (lambda x, y: fit_line.fit_with_optim(x, y, lr=-1.0), "lr must be positive"),
        (lambda x, y: fit_line.mse(y, y[:-1]), "same shape"),
        (lambda x, y: fit_line.make_data(n=1), "n must be an integer of at least 2"),
        (lambda x, y: fit_line.make_data(n=2.5), "n must be an integer of at least 2"),
        (
            lambda x, y: fit_line.loss_table(x, y, fit_line.fit(x, y), every=0),
            "every must be at least 1",
        ),
    ],
)
def test_bad_arguments_raise_a_clear_value_error(call, message):
    x, y = fit_line.make_data(n=10)
    with pytest.raises(ValueError, match=message):
        call(x, y)


def test_the_seven_steps_are_marked_in_fit_in_order():
    steps = fit_line.loop_steps()
    assert [n for n, _, _ in steps] == list(range(1, 8))
    assert [name for _, name, _ in steps] == [
        "initialise",
        "predict",
        "loss",
        "gradient",
        "step",
        "repeat",
        "stop",
    ]
    assert {name: code for _, name, code in steps}["step"] == "a -= lr * a.grad"


def test_loss_table_has_a_row_every_ten_steps_with_the_runs_numbers():
    x, y = fit_line.make_data()
    path = fit_line.fit(x, y)
    rows = fit_line.loss_table(x, y, path, every=10).splitlines()[2:]
    assert [int(r.split("|")[1]) for r in rows] == list(range(0, 101, 10))
    assert float(rows[-1].split("|")[4]) == pytest.approx(
        fit_line.losses(x, y, path)[-1].item(), abs=1e-4
    )


@pytest.mark.parametrize(
    "plot, lines", [(fit_line.plot_fit, 2), (fit_line.plot_loss, 2)]
)
def test_plots_draw_their_lines_in_both_themes(plot, lines):
    x, y = fit_line.make_data()
    path = fit_line.fit(x, y)
    figs = {theme: plot(x, y, path, theme=theme) for theme in ("light", "dark")}
    for fig in figs.values():
        assert isinstance(fig, Figure)
        assert len(fig.axes[0].get_lines()) == lines
        assert fig.axes[0].get_legend() is not None
    assert figs["light"].get_facecolor() != figs["dark"].get_facecolor()


@pytest.mark.parametrize("plot", [fit_line.plot_fit, fit_line.plot_loss])
def test_saved_plots_use_their_themes_colours(plot):
    x, y = fit_line.make_data()
    path = fit_line.fit(x, y)
    for theme, palette in render.PALETTES.items():
        svg = render.figure_bytes(plot(x, y, path, theme=theme)).decode()
        assert palette["cycle"][0] in svg and palette["bg"] in svg, (
            f"{theme} colours missing"
        )
        assert "#1f77b4" not in svg, f"matplotlib's default blue in the {theme} figure"


def test_the_gif_has_more_than_20_frames_and_the_line_moves_in_both_themes():
    x, y = fit_line.make_data()
    path = fit_line.fit(x, y)
    # every 4th step of the page's animation, which is cheaper to draw and still 26 frames
    for theme, every in (("light", 4), ("dark", 4)):
        frames = fit_line.animate_fit(x, y, path, theme=theme, every=every)
        assert all(f.shape == frames[0].shape and f.dtype == np.uint8 for f in frames)
        gif = Image.open(io.BytesIO(render.gif_bytes(frames)))
        assert gif.n_frames == len(frames) > 20
        first = np.asarray(gif.convert("RGB"))
        gif.seek(gif.n_frames - 1)
        assert not np.array_equal(first, np.asarray(gif.convert("RGB")))
    light, dark = (
        fit_line.animate_fit(x, y, path, theme=t, every=50)[0]
        for t in ("light", "dark")
    )
    assert light.mean() > dark.mean()  # the dark variant really is dark


def test_the_whole_program_on_the_page_runs_when_pasted_into_a_fresh_file(tmp_path):
    out = run_program("fit-a-line.md", "fit_line.py", tmp_path)
    assert (
        len(out) == 11
        and out[0].startswith("step   0")
        and out[-1].startswith("step 100")
    )
    x, y = fit_line.make_data()
    assert out[-1].endswith(f"loss {fit_line.losses(x, y, fit_line.fit(x, y))[-1]:.4f}")


def test_least_squares_gives_the_same_bits_wherever_its_memory_lies():
    # the default lstsq driver's last bits depend on the alignment of the memory it is handed,
    # which depends on what the process did before: the Gradients page printed one of them, and
    # two cold builds differed (2.5e-18 against 4.3e-18); the driver "gelsd" does not vary
    x, y = fit_line.make_data(dtype=torch.float64)
    answers, kept = set(), []
    for i in range(200):
        kept.append(
            torch.empty(7 * i + 1, dtype=torch.float64)
        )  # shift what the allocator gives
        a, loss = fit_line.least_squares(x.clone(), y.clone())
        answers.add((*[v.hex() for v in a.double().tolist()], loss.hex()))
    assert len(answers) == 1
