"""Training throughput of the course's LSTM against the same model written directly in PyTorch and JAX.

Run from the repository root (after ``make book`` or ``make test`` has created ``.venv``)::

    make bench-throughput                                    # the same as the next line
    .venv/bin/python benchmarks/lstm_throughput.py           # about 2 minutes on 2 cores
    .venv/bin/python benchmarks/lstm_throughput.py --epochs 3 --only course --only "torch nn.LSTM"

The reference shapes: 4096 sequences of 50 steps with 1 feature, batches of 64, Adam,
mean squared error, and two models, a single ``LSTM(64)`` and a stacked
``LSTM(64) -> LSTM(64)``, each followed by ``Dense(1)``. Every implementation trains
the same shapes for the same number of epochs:

- ``course``: the companion's builders (``models.build_vanilla_lstm`` /
  ``models.build_stacked_lstm``, whose layers are ``layers.FusedLSTM``) trained by
  its training path (``training.compile_and_fit``) on the current Keras backend
  (``KERAS_BACKEND``);
- ``keras LSTM``: the same model with the stock ``keras.layers.LSTM``, trained by
  the same ``training.compile_and_fit`` (the course's path before ``FusedLSTM``);
- ``course, torch`` and ``keras LSTM, torch``: the same two on the torch backend
  (``FusedLSTM`` calls PyTorch's own LSTM kernel there; the stock layer loops over the
  steps in Python);
- ``torch nn.LSTM``: PyTorch's fused CPU kernel with ``torch.optim.Adam``;
- ``torch + malloc``: the same, with glibc told to keep freed memory
  (``MALLOC_MMAP_THRESHOLD_``, ``MALLOC_TRIM_THRESHOLD_``);
- ``jax scan``: the LSTM as a ``jax.lax.scan`` over steps, the input projection done
  once for all steps, the whole Adam step under ``jax.jit``, gradients by autodiff;
- ``jax scan + vjp``: the same forward pass with a hand-written backward pass
  (``jax.custom_vjp``): one reverse scan for the per-step gradients, and the
  recurrent weights' gradient in one matrix product after it.

It prints, per model and implementation, the seconds per epoch (median of the
epochs after the first), the first epoch (compilation included), the time to
predict all 4096 sequences (median of the passes after the first), the first pass
(compilation included), and the ratio of each to the fastest (training and
prediction apart). Training and prediction are measured alike: the steady state and,
apart, the first call, which on JAX compiles the program (PyTorch compiles nothing).

A framework that is not installed is an error: the comparison is the point
(``make bench-throughput`` installs the CPU build of PyTorch in ``.venv-torch`` and
runs the script there); leave an implementation out with ``--only``.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import time

import numpy as np

N_SEQUENCES, N_STEPS, N_FEATURES, UNITS, BATCH = 4096, 50, 1, 64, 64
LEARNING_RATE = 1e-3
PREDICT_PASSES = 3  # passes over all sequences: the first (compilation included) is reported apart


def reference_data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """4096 random sequences (4096, 50, 1) and a target that needs memory: the mean of the first 10 steps."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, size=(N_SEQUENCES, N_STEPS, N_FEATURES)).astype(np.float32)
    y = x[:, :10, 0].mean(axis=1, keepdims=True).astype(np.float32)
    return x, y


def summarise(epoch_seconds: list[float], predict_seconds: list[float]) -> dict:
    return {
        "first": epoch_seconds[0],
        "epoch": statistics.median(epoch_seconds[1:]),
        "first_predict": predict_seconds[0],
        "predict": statistics.median(predict_seconds[1:]),
    }


def timed_passes(predict_all) -> list[float]:
    """Seconds of each of :data:`PREDICT_PASSES` calls of ``predict_all()``."""
    seconds = []
    for _ in range(PREDICT_PASSES):
        start = time.perf_counter()
        predict_all()
        seconds.append(time.perf_counter() - start)
    return seconds


# --- the course's path: companion builders + training.compile_and_fit -------------


def run_course(n_layers: int, epochs: int, x, y, stock_layer: bool = False) -> dict:
    from lstm_companion import models, training

    import keras

    timer = training.EpochTimer()
    training.set_seed(0)
    if stock_layer:  # what the builders return, with keras.layers.LSTM in place of FusedLSTM
        inputs = keras.Input((N_STEPS, N_FEATURES))
        hidden = inputs
        for i in range(n_layers):
            hidden = keras.layers.LSTM(UNITS, return_sequences=i < n_layers - 1)(hidden)
        model = keras.Model(inputs, keras.layers.Dense(1)(hidden))
    elif n_layers == 1:
        model = models.build_vanilla_lstm(N_STEPS, N_FEATURES, units=UNITS, n_outputs=1)
    else:
        model = models.build_stacked_lstm(N_STEPS, N_FEATURES, units=UNITS, n_layers=n_layers, n_outputs=1)
    training.compile_and_fit(
        model, x, y, loss="mse", epochs=epochs, batch_size=BATCH, learning_rate=LEARNING_RATE, callbacks=[timer]
    )
    return summarise(timer.seconds, timed_passes(lambda: model.predict(x, batch_size=BATCH, verbose=0)))


# --- PyTorch: nn.LSTM ---------------------------------------------------------------


def run_torch(n_layers: int, epochs: int, x, y) -> dict:
    import torch

    torch.manual_seed(0)

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = torch.nn.LSTM(N_FEATURES, UNITS, num_layers=n_layers, batch_first=True)
            self.out = torch.nn.Linear(UNITS, 1)

        def forward(self, inputs):
            states, _ = self.lstm(inputs)
            return self.out(states[:, -1])

    net = Net()
    optimizer = torch.optim.Adam(net.parameters(), lr=LEARNING_RATE)
    loss_fn = torch.nn.MSELoss()
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    generator = torch.Generator().manual_seed(0)
    seconds = []
    for _ in range(epochs):
        start = time.perf_counter()
        order = torch.randperm(N_SEQUENCES, generator=generator)
        for i in range(0, N_SEQUENCES, BATCH):
            batch = order[i : i + BATCH]
            optimizer.zero_grad()
            loss = loss_fn(net(xt[batch]), yt[batch])
            loss.backward()
            optimizer.step()
        seconds.append(time.perf_counter() - start)

    def predict_all():
        with torch.no_grad():
            for i in range(0, N_SEQUENCES, BATCH):
                net(xt[i : i + BATCH])

    return summarise(seconds, timed_passes(predict_all))


# --- JAX: lax.scan + jit --------------------------------------------------------------


def run_jax(n_layers: int, epochs: int, x, y, custom_vjp: bool = False) -> dict:
    import jax
    import jax.numpy as jnp

    def init(key):
        params = []
        n_in = N_FEATURES
        for _ in range(n_layers):
            key, k1, k2 = jax.random.split(key, 3)
            limit = np.sqrt(6 / (n_in + 4 * UNITS))
            params.append(
                {
                    "W": jax.random.uniform(k1, (n_in, 4 * UNITS), minval=-limit, maxval=limit),
                    "U": jax.nn.initializers.orthogonal()(k2, (UNITS, 4 * UNITS)),
                    "b": jnp.zeros(4 * UNITS).at[UNITS : 2 * UNITS].set(1.0),
                }
            )
            n_in = UNITS
        key, k = jax.random.split(key)
        limit = np.sqrt(6 / (UNITS + 1))
        params.append({"W": jax.random.uniform(k, (UNITS, 1), minval=-limit, maxval=limit), "b": jnp.zeros(1)})
        return params

    def scan_cell(projected, recurrent):
        """The recurrence over time-major projected inputs (steps, batch, 4 * units); returns every state."""
        n = recurrent.shape[0]

        def step(carry, z_x):
            h, c = carry
            z = z_x + h @ recurrent
            i, f, o = jax.nn.sigmoid(z[:, :n]), jax.nn.sigmoid(z[:, n : 2 * n]), jax.nn.sigmoid(z[:, 3 * n :])
            g = jnp.tanh(z[:, 2 * n : 3 * n])
            c = f * c + i * g
            tanh_c = jnp.tanh(c)
            h = o * tanh_c
            return (h, c), (h, c, jnp.concatenate([i, f, g, o], axis=-1), tanh_c)

        zeros = jnp.zeros((projected.shape[1], n))
        _, saved = jax.lax.scan(step, (zeros, zeros), projected)
        return saved

    @jax.custom_vjp
    def recurrence(projected, recurrent):
        return scan_cell(projected, recurrent)[0]

    def recurrence_forward(projected, recurrent):
        saved = scan_cell(projected, recurrent)
        return saved[0], (*saved, recurrent)

    def recurrence_backward(saved, d_states):
        # one reverse scan for the per-step gradients; the weight gradient in one matmul after it
        states, cells, gates, tanh_cells, recurrent = saved
        n = recurrent.shape[0]
        previous_states = jnp.concatenate([jnp.zeros_like(states[:1]), states[:-1]])
        previous_cells = jnp.concatenate([jnp.zeros_like(cells[:1]), cells[:-1]])

        def step(carry, inputs):
            dh_next, dc_next = carry
            dh_out, g4, tanh_c, c_prev = inputs
            i, f, g, o = g4[:, :n], g4[:, n : 2 * n], g4[:, 2 * n : 3 * n], g4[:, 3 * n :]
            dh = dh_out + dh_next
            dc = dc_next + dh * o * (1 - tanh_c**2)
            dz = jnp.concatenate(
                [dc * g * i * (1 - i), dc * c_prev * f * (1 - f), dc * i * (1 - g**2), dh * tanh_c * o * (1 - o)],
                axis=-1,
            )
            return (dz @ recurrent.T, dc * f), dz

        zeros = jnp.zeros_like(states[0])
        _, dz = jax.lax.scan(step, (zeros, zeros), (d_states, gates, tanh_cells, previous_cells), reverse=True)
        return dz, jnp.einsum("tbu,tbg->ug", previous_states, dz)

    recurrence.defvjp(recurrence_forward, recurrence_backward)

    def lstm_layer(p, inputs):  # inputs (steps, batch, features), time-major
        projected = inputs @ p["W"] + p["b"]  # the input projection for all steps at once
        if custom_vjp:
            return recurrence(projected, p["U"])
        return scan_cell(projected, p["U"])[0]

    def forward(params, inputs):
        hidden = jnp.swapaxes(inputs, 0, 1)
        for p in params[:-1]:
            hidden = lstm_layer(p, hidden)
        return hidden[-1] @ params[-1]["W"] + params[-1]["b"]

    def loss_fn(params, xb, yb):
        return jnp.mean((forward(params, xb) - yb) ** 2)

    @jax.jit
    def train_step(params, m, v, t, xb, yb):
        grads = jax.grad(loss_fn)(params, xb, yb)
        t = t + 1
        m = jax.tree.map(lambda m_, g: 0.9 * m_ + 0.1 * g, m, grads)
        v = jax.tree.map(lambda v_, g: 0.999 * v_ + 0.001 * g * g, v, grads)
        scale = LEARNING_RATE * jnp.sqrt(1 - 0.999**t) / (1 - 0.9**t)
        params = jax.tree.map(lambda p, m_, v_: p - scale * m_ / (jnp.sqrt(v_) + 1e-7), params, m, v)
        return params, m, v, t

    predict = jax.jit(forward)
    params = init(jax.random.key(0))
    m = jax.tree.map(jnp.zeros_like, params)
    v = jax.tree.map(jnp.zeros_like, params)
    t = jnp.zeros(())
    rng = np.random.default_rng(0)
    seconds = []
    for _ in range(epochs):
        start = time.perf_counter()
        order = rng.permutation(N_SEQUENCES)
        for i in range(0, N_SEQUENCES, BATCH):
            batch = order[i : i + BATCH]
            params, m, v, t = train_step(params, m, v, t, x[batch], y[batch])
        jax.block_until_ready(params)
        seconds.append(time.perf_counter() - start)

    def predict_all():
        for i in range(0, N_SEQUENCES, BATCH):
            out = predict(params, x[i : i + BATCH])
        jax.block_until_ready(out)

    return summarise(seconds, timed_passes(predict_all))


def run_jax_custom_vjp(n_layers: int, epochs: int, x, y) -> dict:
    return run_jax(n_layers, epochs, x, y, custom_vjp=True)


def run_stock_keras(n_layers: int, epochs: int, x, y) -> dict:
    return run_course(n_layers, epochs, x, y, stock_layer=True)


RUNNERS = {
    "course": run_course,
    "keras LSTM": run_stock_keras,
    "course, torch": run_course,
    "keras LSTM, torch": run_stock_keras,
    "torch nn.LSTM": run_torch,
    "torch + malloc": run_torch,
    "jax scan": run_jax,
    "jax scan + vjp": run_jax_custom_vjp,
}
REQUIRES = {
    name: "torch" if name.endswith("torch") else {"course": "keras"}.get(name, name.split()[0]) for name in RUNNERS
}
# glibc allocator settings for a run: keep freed blocks of up to 32 MiB on the heap instead of
# returning them to the system after every step (the per-step tensors are allocated again at once)
MALLOC = {"MALLOC_MMAP_THRESHOLD_": str(32 * 2**20), "MALLOC_TRIM_THRESHOLD_": str(2**30)}
ENVIRONMENT = {
    "torch + malloc": MALLOC,
    "course, torch": {"KERAS_BACKEND": "torch"},
    "keras LSTM, torch": {"KERAS_BACKEND": "torch"},
}


def run_isolated(name: str, n_layers: int, epochs: int) -> dict:
    """Run one implementation in a fresh interpreter, so thread pools and caches of one framework
    do not slow down the next."""
    import json
    import subprocess

    command = [sys.executable, __file__, "--worker", name, "--layers", str(n_layers), "--epochs", str(epochs)]
    environment = {**os.environ, **ENVIRONMENT.get(name, {})}
    result = subprocess.run(command, capture_output=True, text=True, check=False, env=environment)
    if result.returncode != 0:
        raise RuntimeError(f"{name} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=6, help="epochs per run (the first one is reported apart)")
    parser.add_argument("--only", choices=sorted(RUNNERS), action="append", help="run only these implementations")
    parser.add_argument("--worker", choices=sorted(RUNNERS), help=argparse.SUPPRESS)
    parser.add_argument("--layers", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.epochs < 2:
        parser.error("--epochs must be at least 2: the first epoch includes compilation")
    chosen = [name for name in RUNNERS if not args.only or name in args.only]
    missing = sorted({REQUIRES[name] for name in chosen if importlib.util.find_spec(REQUIRES[name]) is None})
    if missing and not args.worker:
        parser.error(
            f"{', '.join(missing)} not installed: run `make bench-throughput` (it installs the CPU build of "
            "PyTorch in .venv-torch), or leave the implementations that need it out with --only"
        )
    if args.worker:
        import json

        x, y = reference_data()
        print(json.dumps(RUNNERS[args.worker](args.layers, args.epochs, x, y)))
        return 0
    backend = os.environ.get("KERAS_BACKEND", "jax")
    print(
        f"LSTM throughput: {N_SEQUENCES} x {N_STEPS} x {N_FEATURES}, batch {BATCH}, Adam, MSE, "
        f"{args.epochs} epochs; Keras backend {backend}; {os.cpu_count()} CPUs; each run in its own process"
    )
    for n_layers, label in ((1, "LSTM(64)"), (2, "LSTM(64) -> LSTM(64)")):
        results = {name: run_isolated(name, n_layers, args.epochs) for name in chosen}
        fastest = min(r["epoch"] for r in results.values())
        fastest_predict = min(r["predict"] for r in results.values())
        print(f"\n{label}")
        print(
            f"{'implementation':<18} {'s/epoch':>8} {'ratio':>6} {'first epoch':>12} "
            f"{'predict':>8} {'ratio':>6} {'first predict':>14}"
        )
        for name, r in results.items():
            print(
                f"{name:<18} {r['epoch']:>8.3f} {r['epoch'] / fastest:>5.2f}x {r['first']:>11.2f}s "
                f"{r['predict']:>7.3f}s {r['predict'] / fastest_predict:>5.2f}x {r['first_predict']:>13.3f}s"
            )
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
