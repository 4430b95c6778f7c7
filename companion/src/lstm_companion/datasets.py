"""Named series to forecast: real data shipped with the package, and benchmark series.

- :func:`load_sunspots`, :func:`load_co2`, :func:`load_airline`: real data, a yearly
  cycle without a trend, a trend with a yearly season, and a growing season. Nothing
  is downloaded at run time: the files live
  in ``lstm_companion/data_files/``, with their source and licence in the README
  there. Each file's SHA-256 is recorded in :data:`DATASET_SHA256` and checked
  whenever the file is loaded, so a corrupted or edited copy is refused. To add a
  dataset, put the file there, note its source and licence, record its checksum
  here and read it with ``_read_dataset`` in a new ``load_*`` function.
- :func:`mackey_glass`: a chaotic benchmark series, computed on request.
- :func:`load_python_docs`: English text for character models, checksummed like the series.

Cut a series into supervised windows with :func:`lstm_companion.preprocessing.frame_series`.
"""

from __future__ import annotations

import hashlib
from importlib import resources

import numpy as np

from ._validation import check_array_size, check_float, check_int, check_seed

__all__ = ["DATASET_SHA256", "load_airline", "load_co2", "load_python_docs", "load_sunspots", "mackey_glass"]

#: SHA-256 of every file in ``lstm_companion/data_files``; a file that does not match is refused.
DATASET_SHA256 = {
    "sunspots.csv": "f67889b1d9002cd5227f0e0ef54e35b419cdd85a31279adef6f73fb41e5c0a9b",
    "co2_monthly.csv": "8ad1cb8067181046d855aa640ec3d27614714213ec9bf49420447a94288a502b",
    "airline.csv": "28af0eb869db6d9fbd31d5af03993a0cbf36c0857c3eb046a068c094b60da851",
    "python_docs.txt": "b2e4f11e8c6dbed004f95bc7f373bdf0c5d05e4e9f7fe6b96cd89481033771ee",
}


def _read_dataset(filename: str) -> str:
    """The text of a packaged data file, after checking it against its recorded SHA-256."""
    raw = resources.files("lstm_companion").joinpath("data_files", filename).read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != DATASET_SHA256[filename]:
        raise RuntimeError(
            f"packaged data file {filename!r} is corrupted or modified: SHA-256 {digest}, "
            f"expected {DATASET_SHA256[filename]}; reinstall lstm-companion"
        )
    return raw.decode("utf-8")


def _read_table(filename: str, header: str) -> list[list[str]]:
    """The rows of a packaged CSV file, split into fields, after checking its checksum and header."""
    rows = _read_dataset(filename).strip().splitlines()
    if rows[0].replace('"', "") != header:
        raise RuntimeError(f"unexpected header in {filename}: {rows[0]!r}, expected {header!r}")
    return [row.split(",") for row in rows[1:]]


def load_sunspots() -> tuple[np.ndarray, np.ndarray]:
    """Yearly mean sunspot numbers, 1700-2008 (NOAA, public domain).

    Returns:
        ``years``, ``int64`` of shape ``(309,)``, and ``sunspots``, ``float64``
        of shape ``(309,)``.

    Raises:
        RuntimeError: if the packaged file does not match its recorded SHA-256.

    Example:
        >>> years, sunspots = datasets.load_sunspots()
        >>> int(years[0]), float(sunspots.max())
        (1700, 190.2)
    """
    values = np.array(_read_table("sunspots.csv", "YEAR,SUNACTIVITY"), dtype=np.float64)
    return values[:, 0].astype(np.int64), values[:, 1]


def load_co2() -> tuple[np.ndarray, np.ndarray]:
    """Monthly mean CO2 at Mauna Loa, Hawaii, January 1965 to December 2001 (Scripps; public domain).

    The Keeling curve: a steady rise (about 1.4 ppm a year over this period) with
    a yearly cycle of about 6 ppm. Each value is the mean of the weekly averages
    whose week falls in that month (see the README of ``data_files``).

    Returns:
        ``months``, ``datetime64[M]`` of shape ``(444,)`` (``1965-01`` to
        ``2001-12``, no gaps), and ``co2``, ``float64`` of shape ``(444,)``: the
        mole fraction of CO2 in dry air, in parts per million (ppm).

    Raises:
        RuntimeError: if the packaged file does not match its recorded SHA-256.

    Example:
        >>> months, co2 = datasets.load_co2()
        >>> str(months[0]), float(co2[0]), str(months[-1]), float(co2[-1])
        ('1965-01', 319.4, '2001-12', 371.02)
    """
    rows = _read_table("co2_monthly.csv", "MONTH,CO2,WEEKS")
    months = np.array([row[0] for row in rows], dtype="datetime64[M]")
    return months, np.array([row[1] for row in rows], dtype=np.float64)


def load_airline() -> tuple[np.ndarray, np.ndarray]:
    """Monthly totals of international airline passengers, 1949-1960 (Box & Jenkins series G).

    A trend with a yearly season that grows with the level (multiplicative: a
    logarithm makes it additive).

    Returns:
        ``months``, ``datetime64[M]`` of shape ``(144,)`` (``1949-01`` to
        ``1960-12``), and ``passengers``, ``float64`` of shape ``(144,)``, in
        thousands.

    Raises:
        RuntimeError: if the packaged file does not match its recorded SHA-256.

    Example:
        >>> months, passengers = datasets.load_airline()
        >>> str(months[0]), float(passengers[0]), float(passengers.max())
        ('1949-01', 112.0, 622.0)
    """
    rows = _read_table("airline.csv", "Date,Passengers")
    months = np.array([row[0] for row in rows], dtype="datetime64[M]")
    return months, np.array([row[1] for row in rows], dtype=np.float64)


def mackey_glass(
    n_points: int,
    *,
    tau: float = 17.0,
    beta: float = 0.2,
    gamma: float = 0.1,
    exponent: float = 10.0,
    dt: float = 0.1,
    sample_every: int = 10,
    discard: int = 1000,
    seed: int = 0,
) -> np.ndarray:
    """The Mackey-Glass series: ``dx/dt = beta x(t-tau) / (1 + x(t-tau)^exponent) - gamma x(t)``.

    Chaotic for ``tau=17``; the benchmark of Gers, Eck & Schmidhuber (2001).
    Integrated with fourth-order Runge-Kutta at step ``dt`` (the delayed value
    held fixed within a step) from a constant history of 1.2 plus a small seeded
    perturbation, sampled every ``sample_every`` steps, the first ``discard``
    samples (the transient) dropped.

    Args:
        n_points: number of samples returned.
        tau: delay (> 0), a multiple of ``dt``.
        beta, gamma, exponent: the equation's constants (> 0).
        dt: integration step (> 0).
        sample_every: integration steps between samples.
        discard: samples dropped from the start (>= 0).
        seed: seeds the perturbation of the initial history (a non-negative
            integer below ``2**32``).

    Returns:
        ``float32`` array of shape ``(n_points,)``.

    Raises:
        ValueError: if a constant is not positive and finite, ``tau`` is not a
            multiple of ``dt``, the sizes ask for more values than an array can
            hold, or the constants make the series leave the range of ``float32``.

    Example:
        >>> series = datasets.mackey_glass(1500, seed=0)
    """
    n_points = check_int("n_points", n_points)
    tau = check_float("tau", tau, minimum=0.0, exclusive_minimum=True)
    beta = check_float("beta", beta, minimum=0.0, exclusive_minimum=True)
    gamma = check_float("gamma", gamma, minimum=0.0, exclusive_minimum=True)
    exponent = check_float("exponent", exponent, minimum=0.0, exclusive_minimum=True)
    dt = check_float("dt", dt, minimum=0.0, exclusive_minimum=True)
    sample_every = check_int("sample_every", sample_every)
    discard = check_int("discard", discard, minimum=0)
    steps_per_delay = tau / dt
    if not np.isfinite(steps_per_delay):
        raise ValueError(f"tau / dt must be finite, got tau={tau} and dt={dt}")
    delay = int(round(steps_per_delay))
    if delay < 1 or not np.isclose(delay * dt, tau):
        raise ValueError(f"tau must be a positive multiple of dt={dt}, got {tau}")
    rng = np.random.default_rng(check_seed("seed", seed))
    n_steps = (n_points + discard) * sample_every
    check_array_size("(n_points + discard) * sample_every + tau / dt", n_steps + delay + 1)
    x = np.empty(delay + n_steps + 1)
    x[: delay + 1] = 1.2 + 0.01 * rng.standard_normal(delay + 1)

    def slope(value, delayed):
        return beta * delayed / (1.0 + delayed**exponent) - gamma * value

    with np.errstate(over="ignore", invalid="ignore"):  # a diverging series is refused below
        for t in range(delay, delay + n_steps):
            delayed = x[t - delay]
            k1 = slope(x[t], delayed)
            k2 = slope(x[t] + 0.5 * dt * k1, delayed)
            k3 = slope(x[t] + 0.5 * dt * k2, delayed)
            k4 = slope(x[t] + dt * k3, delayed)
            x[t + 1] = x[t] + dt / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
        samples = x[delay + sample_every :: sample_every][discard : discard + n_points].astype(np.float32)
    if not np.all(np.isfinite(samples)):
        raise ValueError(
            "tau, beta, gamma, exponent and dt must give a series that stays finite in float32, got "
            f"tau={tau}, beta={beta}, gamma={gamma}, exponent={exponent}, dt={dt}"
        )
    return samples


def load_python_docs() -> str:
    """English text for character models: the help topics of Python's documentation (PSF licence).

    The 79 topics of ``pydoc_data.topics`` from CPython 3.11.7 (the text ``help("assert")``
    shows), in alphabetical order, separated by blank lines: prose about the language
    with grammar rules and code examples in it. Folded to ASCII (curly quotes made
    straight, dashes and the ellipsis spelled with ASCII characters; see the README of
    ``data_files`` for the exact conversion and the licence). Nothing is downloaded.

    Returns:
        The text, a ``str`` of 465,119 characters drawn from 94 distinct ones
        (newline, the space and the printable ASCII characters but ``$`` and the backquote).

    Raises:
        RuntimeError: if the packaged file does not match its recorded SHA-256.

    Example:
        >>> text = datasets.load_python_docs()
        >>> len(text), text[:22]
        (465119, 'The "assert" statement')
    """
    return _read_dataset("python_docs.txt")
