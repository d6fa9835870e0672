"""Mini-batches: a gradient from a few examples at a time, momentum, and many processes at once.

Shown in docs/mini-batches.md; claims tested in tests/test_mini_batches.py.
"""

# --8<-- [start:imports]
import math

import torch
from torch.utils.data import DataLoader, TensorDataset

# --8<-- [end:imports]
from snippets.checks import (
    check_count,
    check_examples,
    check_in_range,
    check_number,
    check_positive,
    check_tensor,
)
from snippets.fit_line import check_line_problem, make_data, mse

# isort: split
# --8<-- [start:cost_imports]
import time

# --8<-- [end:cost_imports]
# isort: split
# --8<-- [start:ddp_imports]
import os
import queue
import socket

import torch.distributed as dist
import torch.multiprocessing as mp
from torch.utils.data import DistributedSampler

# --8<-- [end:ddp_imports]


# --8<-- [start:checks]
def check_batches(n, batch_size, generator):
    """Refuse a bad epoch: a ValueError or TypeError that names what is wrong."""
    check_count("n", n, low=1)
    check_count("batch_size", batch_size, low=1, high=n)
    if not isinstance(generator, torch.Generator):
        raise TypeError(
            f"generator must be a torch.Generator, got {type(generator).__name__}"
        )


def check_training(x, y, a0, batch_size, lr, epochs, seed):
    """Refuse a bad run with a ValueError or TypeError that names the argument."""
    check_line_problem(x, y, a0, "a0")
    check_count("batch_size", batch_size, low=1, high=len(y))
    check_positive("lr", lr)
    check_count("epochs", epochs)
    check_count("seed", seed)
    # --8<-- [end:checks]


# --8<-- [start:momentum_checks]
def check_descent(f, p0, lr, mu, steps):
    """Refuse a bad descent with a ValueError or TypeError naming the argument."""
    if not callable(f):
        raise TypeError(f"f must be a function, got {type(f).__name__} {f!r}")
    values = list(p0) if isinstance(p0, (tuple, list)) else [p0]
    finite = [math.isfinite(check_number("p0", v)) for v in values]
    if not values or not all(finite):
        raise ValueError(f"p0 must be a finite number or a tuple of them: {p0!r}")
    check_positive("lr", lr)
    check_in_range("mu", mu, 0, 1)
    check_count("steps", steps)
    # --8<-- [end:momentum_checks]


# --8<-- [start:ddp_checks]
def check_data_parallel(x, y, a0, batch_size, lr, epochs, seed, world_size):
    """The checks of a training run, and data that world_size processes share equally,
    batch_size examples per process at a time."""
    check_training(x, y, a0, batch_size, lr, epochs, seed)
    check_count("world_size", world_size, low=1, high=len(y))
    if len(y) % world_size:
        raise ValueError(
            f"world_size must divide the number of examples ({len(y)}), so that "
            f"every process gets the same share; got {world_size}"
        )
    share = len(y) // world_size
    check_count("batch_size", batch_size, low=1, high=share)  # per process


def check_step(a, x, y, lr):
    """Raise a ValueError (a TypeError for a wrong type) naming the wrong argument of a step."""
    check_tensor("a", a, ndim=1)
    if not a.requires_grad:
        raise ValueError("a must require grad, so that backward() fills a.grad")
    check_line_problem(x, y, a)
    check_positive("lr", lr)
    # --8<-- [end:ddp_checks]


# --8<-- [start:batches]
def batches(n, batch_size, generator):
    """One epoch: the indices 0..n-1 in a random order, cut into batches."""
    check_batches(n, batch_size, generator)
    return torch.randperm(n, generator=generator).split(batch_size)
    # --8<-- [end:batches]


# --8<-- [start:train]
def train(x, y, batch_size, lr=0.1, epochs=5, a0=(-1.0, 1.0), seed=0):
    """Mini-batch SGD for y ≈ x @ a; return a0 and a after every update."""
    check_training(x, y, a0, batch_size, lr, epochs, seed)
    g = torch.Generator().manual_seed(seed)
    a = torch.tensor(a0, dtype=x.dtype, requires_grad=True)
    path = [a.detach().clone()]
    for _ in range(epochs):  # every example once
        for idx in batches(len(y), batch_size, g):  # one update per batch
            loss = mse(x[idx] @ a, y[idx])  # the batch's loss only
            loss.backward()
            with torch.no_grad():
                a -= lr * a.grad
                a.grad.zero_()
            path.append(a.detach().clone())
    return torch.stack(path)
    # --8<-- [end:train]


# --8<-- [start:loader]
def make_loader(x, y, batch_size, seed=0):
    """A DataLoader that deals (x, y) out in batches, reshuffled every epoch."""
    n = check_examples(x, y)
    check_count("batch_size", batch_size, low=1, high=n)
    check_count("seed", seed)
    g = torch.Generator().manual_seed(seed)
    return DataLoader(
        TensorDataset(x, y), batch_size=batch_size, shuffle=True, generator=g
    )


def train_with_loader(
    x, y, batch_size, lr=0.1, epochs=5, momentum=0.0, a0=(-1.0, 1.0), seed=0
):
    """The same training, with a DataLoader and torch.optim.SGD."""
    check_training(x, y, a0, batch_size, lr, epochs, seed)
    check_in_range("momentum", momentum, 0, 1)
    loader = make_loader(x, y, batch_size, seed)
    a = torch.tensor(a0, dtype=x.dtype, requires_grad=True)
    opt = torch.optim.SGD([a], lr=lr, momentum=momentum)
    path = [a.detach().clone()]
    for _ in range(epochs):
        for xb, yb in loader:  # a fresh shuffle at every epoch
            mse(xb @ a, yb).backward()
            opt.step()
            opt.zero_grad()
            path.append(a.detach().clone())
    return torch.stack(path)
    # --8<-- [end:loader]


# --8<-- [start:accumulate]
def train_accumulated(
    x, y, batch_size, micro, lr=0.1, epochs=5, a0=(-1.0, 1.0), seed=0
):
    """Mini-batch SGD, its gradients summed `micro` examples at a time."""
    check_training(x, y, a0, batch_size, lr, epochs, seed)
    check_count("micro", micro, low=1, high=batch_size)
    g = torch.Generator().manual_seed(seed)
    a = torch.tensor(a0, dtype=x.dtype, requires_grad=True)
    path = [a.detach().clone()]
    for _ in range(epochs):
        for idx in batches(len(y), batch_size, g):
            for part in idx.split(micro):  # backward() adds to a.grad
                share = len(part) / len(idx)  # this part's share of the batch
                (share * mse(x[part] @ a, y[part])).backward()
            with torch.no_grad():
                a -= lr * a.grad  # the whole batch's gradient
                a.grad.zero_()
            path.append(a.detach().clone())
    return torch.stack(path)
    # --8<-- [end:accumulate]


# --8<-- [start:example_gradients]
def example_gradients(x, y, a):
    """The gradient of each example's squared error, one row per example."""
    check_tensor("a", a, ndim=1)
    check_line_problem(x, y, a)
    return 2 * x * (x @ a - y)[:, None]
    # --8<-- [end:example_gradients]


# --8<-- [start:cost]
def seconds_per_update(x, y, batch_size, epochs=1, repeats=5):
    """The wall-clock time of one update of train: the fastest of `repeats` runs, one thread."""
    check_training(x, y, (-1.0, 1.0), batch_size, 0.1, epochs, 0)
    check_count("repeats", repeats, low=1)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # one core, as on any machine
    try:
        fastest = math.inf
        for _ in range(repeats):  # the fastest run is the least disturbed
            start = time.perf_counter()
            train(x, y, batch_size, epochs=epochs)
            fastest = min(fastest, time.perf_counter() - start)
    finally:
        torch.set_num_threads(threads)
    return fastest / (epochs * math.ceil(len(y) / batch_size))
    # --8<-- [end:cost]


# --8<-- [start:momentum]
def momentum_descent(f, p0, lr=0.1, mu=0.9, steps=100):
    """Gradient descent with momentum on f; return p0 and p after each step."""
    check_descent(f, p0, lr, mu, steps)
    p = torch.tensor(p0, dtype=torch.float64, requires_grad=True)
    v = torch.zeros_like(p)  # the velocity starts at rest
    path = [p.detach().clone()]
    for _ in range(steps):
        f(p).backward()
        with torch.no_grad():
            v = mu * v + p.grad  # keep mu of the old velocity
            p -= lr * v  # step along the velocity
        p.grad = None
        path.append(p.detach().clone())
    return torch.stack(path)
    # --8<-- [end:momentum]


# --8<-- [start:momentum_optim]
def momentum_with_optim(f, p0, lr=0.1, mu=0.9, steps=100):
    """The same descent, with torch.optim.SGD(momentum=mu) doing the update."""
    check_descent(f, p0, lr, mu, steps)
    p = torch.tensor(p0, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([p], lr=lr, momentum=mu)
    path = [p.detach().clone()]
    for _ in range(steps):
        f(p).backward()
        opt.step()
        opt.zero_grad()
        path.append(p.detach().clone())
    return torch.stack(path)
    # --8<-- [end:momentum_optim]


# --8<-- [start:momentum_rate]
def momentum_rate(h, lr, mu):
    """The factor by which momentum shrinks p per step at curvature h."""
    check_positive("h", h)
    check_positive("lr", lr)
    check_in_range("mu", mu, 0, 1)
    # a step maps (p_t, p_t-1) to (p_t+1, p_t):
    # p_t+1 = (1 + mu - lr h) p_t - mu p_t-1
    step = torch.tensor([[1 + mu - lr * h, -mu], [1, 0]], dtype=torch.float64)
    return torch.linalg.eigvals(step).abs().max().item()  # the spectral radius
    # --8<-- [end:momentum_rate]


# --8<-- [start:ddp_step]
def data_parallel_step(a, x, y, lr):
    """One update from this rank's share x, y: its gradient, averaged with all the others'."""
    check_step(a, x, y, lr)
    mse(x @ a, y).backward()
    dist.all_reduce(a.grad)  # now the sum of every rank's gradient
    a.grad /= dist.get_world_size()  # ... and now their average
    with torch.no_grad():
        a -= lr * a.grad
    a.grad.zero_()
    # --8<-- [end:ddp_step]


# --8<-- [start:ddp_train]
def backend_and_device():
    """nccl and this process's own GPU where there are GPUs; gloo and the CPU elsewhere."""
    if torch.cuda.is_available():
        local_rank = int(
            os.environ["LOCAL_RANK"]
        )  # this process's number on its machine
        torch.cuda.set_device(local_rank)
        return "nccl", torch.device("cuda", local_rank)
    return "gloo", torch.device("cpu")


def train_rank(x, y, batch_size, lr=0.1, epochs=5, a0=(-1.0, 1.0), seed=0):
    """Run in each process: train on this rank's share of every epoch, batch_size at a time."""
    check_training(x, y, a0, batch_size, lr, epochs, seed)
    backend, device = backend_and_device()
    dist.init_process_group(
        backend
    )  # rank, world size, where to meet: from the environment
    try:
        world_size = dist.get_world_size()
        check_data_parallel(x, y, a0, batch_size, lr, epochs, seed, world_size)
        data = TensorDataset(x, y)
        sampler = DistributedSampler(data, seed=seed)  # one rank's share of each epoch
        loader = DataLoader(data, batch_size=batch_size, sampler=sampler)
        a = torch.tensor(a0, dtype=x.dtype, device=device, requires_grad=True)
        for epoch in range(epochs):
            sampler.set_epoch(epoch)  # a new order every epoch, the same on every rank
            for xb, yb in loader:
                data_parallel_step(a, xb.to(device), yb.to(device), lr)
        return a.detach().cpu()
    finally:
        dist.destroy_process_group()
    # --8<-- [end:ddp_train]


# --8<-- [start:launch]
def free_port():
    """A TCP port that nothing on this machine listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_rank(results, rank, world_size, port, x, y, batch_size, lr, epochs, a0, seed):
    """What each new process runs: the environment torchrun would set, train_rank, then its
    weights (or its error) sent back."""
    if not callable(getattr(results, "put", None)):
        raise TypeError(f"results must be a queue, got {type(results).__name__}")
    torch.set_num_threads(1)  # one thread per process: they share the cores
    try:
        check_data_parallel(x, y, a0, batch_size, lr, epochs, seed, world_size)
        check_count("rank", rank, high=world_size - 1)
        check_count("port", port, low=1, high=65535)
        os.environ.update(
            MASTER_ADDR="127.0.0.1",  # where rank 0 waits for the others: this machine
            MASTER_PORT=str(port),
            RANK=str(rank),
            LOCAL_RANK=str(rank),
            WORLD_SIZE=str(world_size),
        )
        a = train_rank(x, y, batch_size, lr, epochs, a0, seed)
        results.put((rank, a.tolist(), None))
    except BaseException as error:
        results.put((rank, None, f"{type(error).__name__}: {error}"))
        raise


def launch(
    x,
    y,
    batch_size,
    lr=0.1,
    epochs=5,
    a0=(-1.0, 1.0),
    seed=0,
    world_size=2,
    timeout=120,
):
    """Train with world_size processes on this machine, as torchrun would start them; return
    each rank's final weights."""
    check_data_parallel(x, y, a0, batch_size, lr, epochs, seed, world_size)
    check_positive("timeout", timeout)
    ctx = mp.get_context("spawn")  # each process a fresh Python interpreter
    results = ctx.Queue()
    args = (world_size, free_port(), x, y, batch_size, lr, epochs, a0, seed)
    procs = [
        ctx.Process(target=run_rank, args=(results, rank, *args), daemon=True)
        for rank in range(world_size)
    ]
    for proc in procs:
        proc.start()
    weights, waited = {}, 0.0
    try:
        while len(weights) < world_size:
            try:
                rank, a, error = results.get(timeout=0.5)
            except queue.Empty:  # still training, or one of them died
                waited += 0.5
                died = [p.exitcode for p in procs if p.exitcode]
                if died or waited > timeout:
                    raise RuntimeError(
                        f"training failed: exit codes {died} after {waited:.0f} s"
                    ) from None
                continue
            if error is not None:
                raise RuntimeError(f"rank {rank} failed: {error}")
            weights[rank] = torch.tensor(a, dtype=x.dtype)
    finally:
        for proc in procs:
            proc.join(timeout=10)
            if proc.is_alive():
                proc.terminate()
    return [weights[rank] for rank in range(world_size)]
    # --8<-- [end:launch]


# --8<-- [start:ddp_run]
if __name__ == "__main__":  # python train.py, or torchrun ... train.py
    x, y = make_data(n=256)
    if "RANK" in os.environ:  # torchrun started this process, one of several
        a = train_rank(x, y, batch_size=16)
        # each process prints its line in one write: they share the terminal
        print(f"rank {os.environ['RANK']}: a = {a.tolist()}", flush=True)
    else:  # python started it: start the processes here, on this machine
        for rank, a in enumerate(launch(x, y, batch_size=16, world_size=2)):
            print(f"rank {rank}: a = {a.tolist()}")
# --8<-- [end:ddp_run]


# --8<-- [start:run]
if __name__ == "__main__":
    x, y = make_data(n=256)
    path = train_with_loader(x, y, batch_size=16, lr=0.05, epochs=5, momentum=0.9)
    per_epoch = len(y) // 16
    for epoch in range(6):
        a = path[epoch * per_epoch]
        print(f"epoch {epoch}  a = ({a[0]:.3f}, {a[1]:.3f})  loss {mse(x @ a, y):.4f}")
# --8<-- [end:run]
