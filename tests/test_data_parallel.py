"""The claims of "Beyond one machine" and "Data parallelism in a notebook" in docs/mini-batches.md:
train.py, as the page shows it, runs unchanged under torchrun (two processes over gloo) and under
the page's own launcher, and both give the weights of mini-batch SGD on batches of batch_size x
world_size examples (checked by hand in float64, on the orders DistributedSampler documents);
it takes its rank, world size and meeting point from the environment and never sets them; the
sampler repeats its order unless set_epoch is called; and in a Jupyter kernel the code works
once written to a file, and not when pasted into cells."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
import torch
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

from conftest import ROOT, assert_close
from sitebuild.sources import FENCE, INCLUDE, section_source
from snippets import mini_batches as mb
from snippets.drawing import mini_batches as draw

PAGE = "mini-batches.md"
# two processes share one stdout, so one's line can run into the other's: no anchors
WEIGHTS = re.compile(r"rank (\d+): a = (\[[^\]]*\])")


def shown_block(title):
    """The code block titled `title` on the page, however deep it is indented (in a tab or an
    admonition), with its snippet includes expanded: what a reader copies."""
    for block in FENCE.finditer((ROOT / "docs" / PAGE).read_text()):
        if f'title="{title}"' in block["options"]:
            lines = [line[len(block["indent"]) :] for line in block["code"].split("\n")]
            return "\n".join(
                section_source(m["file"], m["section"])
                if (m := INCLUDE.match(line))
                else line
                for line in lines
            )
    raise AssertionError(f"docs/{PAGE} has no block titled {title!r}")


def sampler_orders(n, seed, epochs):
    """DistributedSampler's orders, by its documented rule: epoch e shuffles with seed + e."""
    return [
        torch.randperm(n, generator=torch.Generator().manual_seed(seed + e))
        for e in range(epochs)
    ]


def by_hand(batch_size, world_size, lr=0.1, epochs=5, seed=0):
    """Mini-batch SGD in float64 on batches of batch_size x world_size of the sampler's orders,
    with the gradient's formula 2/B X^T (X a - y)."""
    x, y = (t.double() for t in draw.make_data())
    a = torch.tensor([-1.0, 1.0], dtype=torch.float64)
    for order in sampler_orders(len(y), seed, epochs):
        for idx in order.split(batch_size * world_size):
            a = a - lr * 2 / len(idx) * x[idx].T @ (x[idx] @ a - y[idx])
    return a


def weights(printed):
    """The weights that the lines `rank r: a = [...]` print, in the order of the ranks."""
    lines = printed.replace("\r\n", "\n")  # a notebook's ! prints through a terminal
    found = {int(r): json.loads(a) for r, a in WEIGHTS.findall(lines)}
    return [torch.tensor(found[r], dtype=torch.float64) for r in sorted(found)]


def environment():
    """This environment without the repository on the path: the reader's."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


@pytest.fixture(scope="module")
def train_py(tmp_path_factory):
    folder = tmp_path_factory.mktemp("reader")
    (folder / "train.py").write_text(shown_block("train.py") + "\n")
    return folder


@pytest.fixture(scope="module")
def runs(train_py):
    """train.py run twice, as the page says: by torchrun, and by python (with its own launch)."""
    torchrun = Path(sys.executable).parent / "torchrun"
    done = {}
    for how, command in {
        "torchrun": [str(torchrun), "--nproc-per-node=2", "train.py"],
        "python": [sys.executable, "train.py"],
    }.items():
        result = subprocess.run(
            command,
            cwd=train_py,
            env=environment(),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert result.returncode == 0, f"{how}:\n{result.stderr[-3000:]}"
        done[how] = weights(result.stdout)
    return done


def test_train_py_runs_unchanged_under_torchrun_on_two_processes(runs):
    rank0, rank1 = runs["torchrun"]
    assert torch.equal(rank0, rank1)
    # batch_size=16 per process, two processes: SGD on batches of 32
    assert_close(rank0, by_hand(16, 2), atol=1e-5)  # float32 against float64


def test_train_py_run_by_python_launches_the_same_training_itself(runs):
    assert len(runs["python"]) == 2
    assert torch.equal(runs["python"][0], runs["python"][1])
    assert torch.equal(runs["python"][0], runs["torchrun"][0])  # to the last bit


def test_the_pages_run_is_sgd_on_batches_of_batch_size_times_world_size():
    (rank0, rank1), alone = draw.data_parallel_run(*draw.make_data())
    run = draw.DATA_PARALLEL
    expected = by_hand(run["batch_size"], run["world_size"], run["lr"], run["epochs"])
    assert torch.equal(rank0, rank1)
    assert_close(rank0, expected, atol=1e-5) and assert_close(
        alone, expected, atol=1e-5
    )


def test_train_rank_takes_its_group_from_the_environment_and_never_sets_it():
    # MB2: the old code set MASTER_ADDR itself, overriding torchrun's
    x, y = draw.make_data(n=8)
    set_by_torchrun = {
        "MASTER_ADDR": "127.0.0.1",
        "MASTER_PORT": str(mb.free_port()),
        "RANK": "0",
        "LOCAL_RANK": "0",
        "WORLD_SIZE": "1",
    }
    with mock.patch.dict(os.environ, set_by_torchrun, clear=True):
        with mock.patch.object(
            mb.dist, "init_process_group", wraps=mb.dist.init_process_group
        ) as init:
            mb.train_rank(x, y, 4, epochs=1)
        assert dict(os.environ) == set_by_torchrun
    init.assert_called_once_with("gloo")  # no address, rank or size of its own


def test_the_page_launcher_sets_what_torchrun_sets():
    x, y = draw.make_data(n=8)
    seen = {}

    def train_rank(*_):
        seen.update({k: os.environ[k] for k in ("RANK", "LOCAL_RANK", "WORLD_SIZE")})
        seen["MASTER"] = (os.environ["MASTER_ADDR"], os.environ["MASTER_PORT"])
        return torch.zeros(2)

    results = mock.Mock()
    with mock.patch.dict(os.environ), mock.patch.object(mb, "train_rank", train_rank):
        mb.run_rank(results, 1, 2, 29511, x, y, 4, 0.1, 1, (-1.0, 1.0), 0)
    assert seen == {
        "RANK": "1",
        "LOCAL_RANK": "1",
        "WORLD_SIZE": "2",
        "MASTER": ("127.0.0.1", "29511"),
    }


def test_backend_and_device_pick_nccl_and_the_local_gpu_where_there_are_gpus():
    assert mb.backend_and_device() == ("gloo", torch.device("cpu"))
    with (
        mock.patch.object(mb.torch.cuda, "is_available", return_value=True),
        mock.patch.object(mb.torch.cuda, "set_device") as set_device,
        mock.patch.dict(os.environ, {"LOCAL_RANK": "1"}),
    ):
        assert mb.backend_and_device() == ("nccl", torch.device("cuda", 1))
    set_device.assert_called_once_with(1)


def shares(epoch=None, n=12, world_size=2, seed=0):
    """The examples each rank's DistributedSampler gives, after set_epoch(epoch) if one is given."""
    out = []
    for rank in range(world_size):
        sampler = DistributedSampler(
            range(n), num_replicas=world_size, rank=rank, seed=seed
        )
        if epoch is not None:
            sampler.set_epoch(epoch)
        out.append(list(sampler))
    return out


def test_pytorch_the_sampler_gives_each_rank_every_world_size_th_example_of_one_order():
    for epoch in range(3):
        order = sampler_orders(12, 0, epoch + 1)[-1].tolist()
        assert shares(epoch) == [order[0::2], order[1::2]]
        assert sorted(shares(epoch)[0] + shares(epoch)[1]) == list(range(12))


def test_pytorch_without_set_epoch_every_epoch_repeats_the_first_order():
    sampler = DistributedSampler(range(12), num_replicas=2, rank=0, seed=0)
    first, second = list(sampler), list(sampler)
    assert first == second == shares()[0]
    sampler.set_epoch(1)
    assert list(sampler) != first


def test_each_update_uses_batch_size_times_world_size_examples_of_the_order():
    batch_size, world_size = 16, 2
    loaders = [
        DataLoader(
            TensorDataset(torch.arange(256)),
            batch_size=batch_size,
            sampler=DistributedSampler(
                range(256), num_replicas=world_size, rank=rank, seed=0
            ),
        )
        for rank in range(world_size)
    ]
    order = sampler_orders(256, 0, 1)[0]
    steps = list(zip(*loaders))
    assert len(steps) == 256 // (batch_size * world_size)  # updates per epoch
    for k, batches in enumerate(steps):
        together = sorted(torch.cat([b[0] for b in batches]).tolist())
        whole = order[k * 32 : (k + 1) * 32]
        assert together == sorted(whole.tolist())


NOTEBOOK_CELLS = (
    "Cell 1: train.py, written to the notebook's folder",
    "Cell 2: torchrun runs the file, two processes",
    "Cell 2: import launch from the file, and run it",
)


@pytest.mark.site  # a Jupyter kernel and three rounds of new processes: several seconds
def test_in_a_jupyter_kernel_train_py_written_to_a_file_trains_and_pasted_alone_does_not(
    tmp_path, runs, capfd
):
    import nbclient
    import nbformat

    write, torchrun, imported = (shown_block(title) for title in NOTEBOOK_CELLS)
    assert write.startswith("%%writefile train.py\n")
    assert write.split("\n", 1)[1] == shown_block("train.py")
    pasted = write.split("\n", 1)[1].split('if __name__ == "__main__":')[0]
    cells = [
        "import importlib.util\nprint('snippets importable:', bool(importlib.util.find_spec('snippets')))",
        pasted,  # the same code, defined in the notebook itself
        (
            "try:\n    launch(*make_data(n=256), batch_size=16)\n"
            "except RuntimeError as error:\n    print('refused:', error)"
        ),
        write,
        torchrun,
        imported,
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    done = nbclient.NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute(env=environment())
    printed = [
        "".join(
            o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream"
        )
        for cell in done.cells
    ]
    assert printed[0] == "snippets importable: False\n", (
        "the kernel sees the repository"
    )
    assert "refused: training failed" in printed[2]
    # the new processes' own error goes to the kernel's stderr, the terminal, not the notebook.
    # Two processes write it at once, so their writes may interleave ("AttributeError: " of one
    # between the other's): look for the parts, each written whole.
    err = capfd.readouterr().err
    assert (
        "AttributeError" in err
        and "Can't get attribute 'run_rank' on <module '__main__'" in err
    )
    assert not any("run_rank" in cell for cell in printed)
    assert (tmp_path / "train.py").is_file()
    for cell in (printed[4], printed[5]):
        got = weights(cell)
        assert len(got) == 2 and torch.equal(got[0], got[1]), cell
        assert torch.equal(got[0], runs["torchrun"][0])  # as train.py run from a shell


def test_the_pages_two_machine_command_is_one_torchrun_reads_with_a_job_id_and_a_meeting_point():
    from torch.distributed.run import get_args_parser

    page = (ROOT / "docs" / PAGE).read_text()
    (command,) = re.findall(r"```bash\n(torchrun .*?)\n```", page, re.S)
    words = command.replace("\\\n", " ").split()[1:]
    args = get_args_parser().parse_args(words)
    assert (args.nnodes, args.nproc_per_node) == ("2", "8")
    assert args.rdzv_backend == "c10d" and args.rdzv_id != "none"  # its default
    host, port = args.rdzv_endpoint.rsplit(":", 1)
    assert host and "rank" not in host and int(port) > 0
    assert args.training_script == "train.py"
