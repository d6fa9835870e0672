"""The claims of docs/fit-a-line.md, checked against independent computations (a least-squares
solve, torch.optim, finite differences), and the page's drawings smoke-tested."""

import io

import numpy as np
import pytest
import torch
from PIL import Image

from conftest import Call, assert_close, defaults, run_program, table_of_bad_inputs
from snippets import fit_line
from snippets.drawing import fit_line as draw
from snippets.drawing import line_problem, numbers, render, tables


@pytest.fixture(scope="module")
def data64():
    return fit_line.make_data(dtype=torch.float64)


@pytest.fixture(scope="module")
def path64(data64):
    return fit_line.fit(*data64)


def loss_at(x, y, path):
    """The MSE at every row of `path`, computed here without the lesson's mse."""
    return ((path @ x.T - y) ** 2).mean(dim=1)


# -- the data ---------------------------------------------------------------------------------


def test_the_data_is_a_column_of_inputs_in_minus_1_to_1_and_a_column_of_ones():
    x, y = fit_line.make_data()
    assert x.shape == (100, 2) and y.shape == (100,)
    assert torch.all(x[:, 1] == 1)
    assert x[:, 0].min() >= -1 and x[:, 0].max() <= 1


def test_the_noise_is_uniform_in_0_to_1_so_it_is_not_centred():
    x, y = fit_line.make_data(n=10_000, dtype=torch.float64)
    noise = y - x @ torch.tensor([3.0, 2.0], dtype=torch.float64)
    assert noise.min() >= 0 and noise.max() < 1
    assert_close(noise.mean(), 0.5, atol=0.01)  # uniform on [0, 1): mean 1/2


def test_the_same_seed_gives_the_same_data_and_another_seed_does_not():
    x1, y1 = fit_line.make_data(seed=7)
    x2, y2 = fit_line.make_data(seed=7)
    x3, _ = fit_line.make_data(seed=8)
    assert torch.equal(x1, x2) and torch.equal(y1, y2)
    assert not torch.equal(x1, x3)


def test_uncentred_noise_moves_the_best_intercept_to_about_2_5(data64):
    # the page's note: noise from [0, 1) adds 0.5 on average, so the intercept is near 2.5, not 2
    x, y = data64
    best = torch.linalg.solve(x.T @ x, x.T @ y)  # the normal equations
    assert_close(best[1], 2.5, atol=0.1)
    assert abs(best[1] - 2.0) > 0.3


# -- the loop ---------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_the_loss_falls_at_every_step_fast_at_first_then_more_and_more_slowly(dtype):
    x, y = fit_line.make_data(dtype=dtype)
    loss = loss_at(x, y, fit_line.fit(x, y))
    drop = loss[:-1] - loss[1:]
    assert len(loss) == 101 and torch.all(drop > 0)
    assert torch.all(drop[1:] < drop[:-1])


def test_the_hand_written_update_matches_torch_optim_sgd_step_for_step(data64, path64):
    # the page: opt.step() is a -= lr * a.grad and opt.zero_grad() clears the gradient
    x, y = data64
    a = torch.tensor([-1.0, 1.0], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([a], lr=0.1)
    steps = [a.detach().clone()]
    for _ in range(100):
        ((x @ a - y) ** 2).mean().backward()
        opt.step()
        opt.zero_grad()
        steps.append(a.detach().clone())
    assert_close(path64, torch.stack(steps), atol=1e-12)
    assert_close(fit_line.fit_with_optim(x, y), path64, atol=1e-12)


def test_autograd_gives_the_formula_2_over_n_xt_residual_at_every_step(data64, path64):
    x, y = data64
    for step in path64[:20]:
        a = step.clone().requires_grad_(True)
        fit_line.mse(x @ a, y).backward()
        assert_close(a.grad, 2 / len(y) * x.T @ (x @ step - y), atol=1e-12)


def test_the_gradient_formula_matches_central_differences(data64):
    x, y = data64
    a, h = torch.tensor([-1.0, 1.0], dtype=torch.float64), 1e-6
    numeric = torch.stack(
        [
            (loss_at(x, y, (a + h * e)[None]) - loss_at(x, y, (a - h * e)[None]))[0]
            / (2 * h)
            for e in torch.eye(2)
        ]
    )
    assert_close(fit_line.gradient(x, y, a), numeric, atol=1e-6)


def test_fit_reaches_the_least_squares_line_and_no_line_does_better(data64, path64):
    x, y = data64
    best = torch.linalg.solve(x.T @ x, x.T @ y)  # independent of fit_line
    floor = loss_at(x, y, best[None])[0]
    loss = loss_at(x, y, path64)
    assert torch.all(loss >= floor - 1e-12)
    assert (path64[-1] - best).abs().max() < 0.05
    assert loss[-1] - floor < 1e-3 * floor  # after 100 steps descent is on the floor


# -- what PyTorch does, which the page relies on -------------------------------------------------


def test_pytorch_backward_adds_to_the_gradient_so_it_must_be_zeroed(data64):
    # the page: without the reset, every step would use the sum of all the gradients so far
    x, y = data64
    a = torch.tensor([-1.0, 1.0], dtype=torch.float64, requires_grad=True)
    fit_line.mse(x @ a, y).backward()
    once = a.grad.clone()
    fit_line.mse(x @ a, y).backward()
    assert_close(a.grad, 2 * once, atol=1e-12)


def test_pytorch_refuses_the_step_outside_no_grad(data64):
    # the page: the step is not part of the model, so autograd must not record it
    x, y = data64
    a = torch.tensor([-1.0, 1.0], dtype=torch.float64, requires_grad=True)
    fit_line.mse(x @ a, y).backward()
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        a -= 0.1 * a.grad


# -- when the input is wrong ----------------------------------------------------------------------


def data10():
    return fit_line.make_data(n=10)


CALLS = [
    Call(
        fit_line.make_data,
        {"n": [1, 0, 2.5, "10", None], "seed": "seed", "a": [(1.0,), ("3", 2.0)]},
        n=10,
    ),
    Call(
        fit_line.mse,
        {"y_hat": ["x", None, torch.zeros(3)], "y": [torch.zeros(3), None]},
        y_hat=lambda: torch.zeros(4),
        y=lambda: torch.ones(4),
    ),
    Call(
        fit_line.check_line_problem,
        {
            "x": ["x", torch.zeros(0, 2), torch.zeros(10)],
            "y": [None, torch.zeros(9)],
            "a": [(1.0,), (1.0, 2.0, 3.0)],
        },
        x=lambda: data10()[0],
        y=lambda: data10()[1],
        a=(0.0, 0.0),
    ),
    Call(
        fit_line.check_fit_args,
        {
            "lr": "positive",
            "steps": "count",
            "x": [torch.zeros(10)],
            "y": [torch.zeros(9)],
            "a0": [(1.0,), None],
        },
        x=lambda: data10()[0],
        y=lambda: data10()[1],
        a0=(0.0, 0.0),
        lr=0.1,
        steps=3,
    ),
    *[
        Call(
            fn,
            {
                "lr": "positive",
                "steps": "count",
                "x": [torch.zeros(10)],
                "y": [torch.zeros(9)],
                "a0": [(1.0,)],
            },
            x=lambda: data10()[0],
            y=lambda: data10()[1],
            steps=3,
        )
        for fn in (fit_line.fit, fit_line.fit_with_optim)
    ],
    Call(
        fit_line.gradient,
        {"a": [torch.zeros(3), None], "y": [torch.zeros(9)]},
        x=lambda: data10()[0],
        y=lambda: data10()[1],
        a=lambda: torch.zeros(2),
    ),
]


(
    test_every_public_lesson_function_is_in_the_table_of_bad_inputs,
    test_each_call_of_the_table_is_valid,
    test_a_bad_argument_is_refused_with_a_message_that_names_it,
) = table_of_bad_inputs(fit_line, CALLS)


def test_divergence_is_a_result_not_a_crash(data64):
    x, y = data64
    loss = loss_at(x, y, fit_line.fit(x, y, lr=50.0, steps=300))
    assert not torch.isfinite(loss[-1]) or loss[-1] > 1e10


# -- the whole program ----------------------------------------------------------------------------


def test_the_whole_program_runs_in_a_fresh_file_and_prints_the_loss_every_ten_steps(
    tmp_path, data64
):
    out = run_program("fit-a-line.md", "fit_line.py", tmp_path)
    assert [int(line.split()[1]) for line in out] == list(range(0, 101, 10))
    x, y = fit_line.make_data()  # float32, as the program runs
    loss = loss_at(x.double(), y.double(), fit_line.fit(x, y).double())
    assert out[-1].endswith(f"loss {loss[-1]:.4f}")


# -- the drawing ----------------------------------------------------------------------------------


def test_the_seven_steps_are_marked_in_fit_in_order():
    steps = draw.loop_steps()
    assert [n for n, _, _ in steps] == list(range(1, 8))
    names = ["initialise", "repeat", "predict", "loss", "gradient", "step", "stop"]
    assert [name for _, name, _ in steps] == names  # in the order the lines of fit read
    assert {name: code for _, name, code in steps}["step"] == (
        "with torch.no_grad():\n    a -= lr * a.grad\n    a.grad.zero_()"
    )


def test_the_loss_table_has_a_row_every_ten_steps_with_the_runs_numbers():
    x, y = fit_line.make_data()
    path = fit_line.fit(x, y)
    rows = draw.loss_table(x, y, path, every=10).splitlines()[2:]
    assert [int(r.split("|")[1]) for r in rows] == list(range(0, 101, 10))
    assert_close(float(rows[-1].split("|")[4]), loss_at(x, y, path)[-1], atol=1e-4)
    with pytest.raises(ValueError, match="every"):
        draw.loss_table(x, y, path, every=0)


def test_the_least_squares_floor_the_figures_draw_is_the_normal_equations_answer(
    data64,
):
    x, y = data64
    a, loss = line_problem.least_squares(x, y)
    normal = torch.linalg.solve(x.T @ x, x.T @ y)
    assert_close(
        a, normal, atol=1e-8
    )  # the normal equations square the condition number
    assert_close(loss, loss_at(x, y, normal[None])[0], atol=1e-12)


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
        a, loss = line_problem.least_squares(x.clone(), y.clone())
        answers.add((*[v.hex() for v in a.double().tolist()], loss.hex()))
    assert len(answers) == 1


@pytest.mark.parametrize("plot", [draw.plot_fit, draw.plot_loss])
def test_the_plots_draw_two_lines_in_each_themes_colours(plot):
    x, y = fit_line.make_data()
    path = fit_line.fit(x, y)
    for theme, palette in render.PALETTES.items():
        fig = plot(x, y, path, theme=theme)
        assert (
            len(fig.axes[0].get_lines()) == 2 and fig.axes[0].get_legend() is not None
        )
        svg = render.figure_bytes(fig).decode()
        assert palette["cycle"][0] in svg and palette["bg"] in svg, (
            f"{theme} colours missing"
        )
        assert "#1f77b4" not in svg, f"matplotlib's default blue in the {theme} figure"


def test_the_animation_moves_the_line_and_the_dark_variant_is_dark():
    x, y = fit_line.make_data()
    path = fit_line.fit(x, y)
    frames = draw.animate_fit(x, y, path, theme="light", every=4)
    assert all(f.shape == frames[0].shape and f.dtype == np.uint8 for f in frames)
    gif = Image.open(io.BytesIO(render.gif_bytes(frames)))
    assert gif.n_frames == len(frames) > 20
    first = np.asarray(gif.convert("RGB"))
    gif.seek(gif.n_frames - 1)
    assert not np.array_equal(first, np.asarray(gif.convert("RGB")))
    dark = draw.animate_fit(x, y, path, theme="dark", every=50)[0]
    assert frames[0].mean() > dark.mean()


def test_the_loss_table_prints_negative_numbers_with_a_true_minus_sign():
    x, y = fit_line.make_data()
    table = draw.loss_table(x, y, fit_line.fit(x, y), every=10)
    start = table.splitlines()[2].split("|")
    assert start[2].strip() == "−1.000" and float(start[2].replace("−", "-")) == -1.0
    assert "-" not in table.replace(
        "|---:", ""
    )  # no hyphen-minus left, outside the rule


def test_the_shared_formatters_give_negative_numbers_a_true_minus_sign():
    assert numbers.fixed(-1) == "−1.000" and numbers.fixed(-0.0001) == "0.000"
    assert numbers.sci(-3.3e-11) == "−3.3 × 10⁻¹¹" and numbers.sci(-1e-5, 0) == "−10⁻⁵"
    said = numbers.minus_numbers("got -0.1, [-1, 1], -inf and 1e-05 for a 1-D x - 1")
    assert said == "got −0.1, [−1, 1], −inf and 1e−05 for a 1-D x - 1"

    def refuse():
        raise ValueError("lr must be in [0, inf), got -0.5")

    row = tables.refusals([("fit(x, y, lr=-0.5)", refuse)]).splitlines()[-1]
    assert (
        row == "| `fit(x, y, lr=-0.5)` | ValueError: lr must be in [0, inf), got −0.5 |"
    )


def test_every_step_uses_every_point_so_two_runs_take_the_same_steps(data64, path64):
    # the page's note: full-batch gradient descent, no sampling, so a run repeats exactly; each
    # step is the closed-form gradient over all n points
    x, y = data64
    assert torch.equal(fit_line.fit(x, y), path64)
    full = torch.stack([2 / len(y) * x.T @ (x @ a - y) for a in path64[:-1]])
    assert_close(path64[1:], path64[:-1] - 0.1 * full, atol=1e-12)


# -- the explorable: from any start -----------------------------------------------------------


@pytest.fixture(scope="module")
def explore():
    x, y = fit_line.make_data()  # the page's data, in float32 as the page runs it
    return x, y, draw.explore_runs(x, y)


def lstsq(x, y):
    """The least-squares line in float64, by torch.linalg.lstsq (the default driver)."""
    x64, y64 = x.double(), y.double()
    return torch.linalg.lstsq(x64, y64.unsqueeze(1)).solution.squeeze(1)


def test_the_explorable_runs_fit_from_every_start_of_its_knobs(explore):
    *_, runs = explore
    w, b, steps = draw.explore_knobs()
    assert set(runs) == {(a1, a2) for a1 in w.values for a2 in b.values}
    assert (w.values[w.start], b.values[b.start]) == defaults(fit_line.fit)["a0"]
    assert steps.kind == "steps" and steps.values[0] == 0
    frames = len(w.values) * len(b.values) * len(steps.values)
    assert frames <= 300 and 7 <= len(w.values) <= 9 and 5 <= len(b.values) <= 7
    for (a1, a2), path in runs.items():
        assert len(path) == steps.values[-1] + 1
        assert path[0].tolist() == [a1, a2]


def test_from_every_start_the_loss_falls_at_every_step(explore):
    x, y, runs = explore
    for start, path in runs.items():
        loss = loss_at(x.double(), y.double(), path.double())
        assert torch.all(loss[1:] < loss[:-1]), start


def test_from_every_start_100_steps_end_within_the_tolerance_of_lstsq(explore):
    x, y, runs = explore
    best = lstsq(x, y)
    gaps = [(path[-1].double() - best).abs().max().item() for path in runs.values()]
    assert max(gaps) < draw.TOLERANCE
    # and not before: at step 30 some start is still far from it, so the claim is about 100
    assert (
        max((path[30].double() - best).abs().max().item() for path in runs.values())
        > 0.1
    )


def test_the_intercept_settles_first_as_the_bowl_is_narrower_along_it(explore):
    x, y, runs = explore
    best = lstsq(x, y)
    at30 = torch.stack([(path[30].double() - best).abs() for path in runs.values()])
    slope, intercept = at30.max(dim=0).values
    assert intercept < 0.05 and slope > 10 * intercept
    # one bottom, and the loss curves more along the intercept: 2/n X^T X, by eigvalsh
    h = 2 / len(y) * x.double().T @ x.double()
    assert torch.all(torch.linalg.eigvalsh(h) > 0) and h[1, 1] > 2 * h[0, 0]


def test_the_explorables_sentence_prints_the_runs_numbers(explore):
    x, y, runs = explore
    best = lstsq(x, y)
    said = draw.explore_sentence(x, y, runs)
    end = max((path[-1].double() - best).abs().max().item() for path in runs.values())
    at30 = torch.stack([(path[30].double() - best).abs() for path in runs.values()])
    assert f"within {end:.4f} of the least-squares line" in said
    assert f"within {at30[:, 1].max():.3f} of least squares" in said
    assert f"{at30[:, 0].max():.2f} away" in said and f"{len(runs)} starts" in said


def test_the_explorables_alt_texts_carry_the_line_and_loss_of_the_state(explore):
    x, y, runs = explore
    alt = draw.explore_alt(x, y, runs)
    for start, t in [((-1.0, 1.0), 0), ((-2.0, 3.0), 5), ((4.0, -1.0), 100)]:
        a = runs[start][t].double()
        loss = loss_at(x.double(), y.double(), a[None])[0]
        said = alt({"w": start[0], "b": start[1], "step": t})
        line = f"y = {a[0]:.2f}x {'+' if a[1] >= 0 else '-'} {abs(a[1]):.2f}".replace(
            "-", "−"
        )
        assert f"after {t} steps" in said and f"the line {line}" in said
        assert f"the loss is {loss:.3f}" in said


def test_the_explorable_draws_every_state_in_both_themes(explore):
    x, y, runs = explore
    for theme in render.THEMES:
        fig, artists, update = draw.explore_scene(x, y, runs, theme=theme)
        w, _ = fig.get_size_inches()
        assert w <= 7 and len(fig.axes) == 2
        states = [
            {"w": -1.0, "b": 1.0, "step": 0},
            {"w": -1.0, "b": 1.0, "step": 100},
            {"w": 4.0, "b": -1.0, "step": 2},
        ]
        frames = render.blit_frames(fig, artists, update, states)
        assert all(f.shape == frames[0].shape for f in frames)
        assert not np.array_equal(frames[0], frames[1])
        assert not np.array_equal(frames[1], frames[2])


def test_every_path_of_the_explorable_is_torch_optim_sgds_from_its_start(explore):
    x, y, runs = explore
    for start in [(-2.0, -1.0), (-1.0, 1.0), (4.0, 3.0), (1.0, 0.0)]:
        reference = fit_line.fit_with_optim(x, y, a0=start, steps=100)
        assert_close(runs[start], reference, atol=1e-6)  # float32, as the page runs it
