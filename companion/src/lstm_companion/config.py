"""The one place where the course chooses its Keras backend and its seed.

Keras reads the environment variable ``KERAS_BACKEND`` once, when ``keras`` is
first imported. The course defaults to JAX (measured fastest for small LSTMs on
CPU); a reader overrides it by setting ``KERAS_BACKEND`` before starting Python
or the notebook server, e.g. ``KERAS_BACKEND=tensorflow jupyter lab``.

``import lstm_companion`` applies the default (it never overrides a value the
reader set) before any of its modules imports Keras.

Every seed a chapter uses is derived from one number, :func:`course_seed`:
``0`` unless the environment variable ``LSTM_COURSE_SEED`` is set, so that
``LSTM_COURSE_SEED=3 make book`` runs the whole book on other seeds.
"""

from __future__ import annotations

import os
import sys
import warnings

__all__ = [
    "BACKEND_PACKAGES",
    "DEFAULT_BACKEND",
    "KNOWN_BACKENDS",
    "SEED_VARIABLE",
    "apply_default_backend",
    "course_seed",
    "missing_backend_message",
]

#: The backend the course uses when ``KERAS_BACKEND`` is not set.
DEFAULT_BACKEND = "jax"

#: Backends Keras 3 understands.
KNOWN_BACKENDS = ("jax", "tensorflow", "torch", "numpy", "openvino")

#: The package each backend needs, and how to install it (CPU builds).
BACKEND_PACKAGES = {
    "jax": ("jax", "pip install jax"),
    "tensorflow": ("tensorflow", "pip install tensorflow-cpu (plain tensorflow on macOS)"),
    "torch": ("torch", "pip install torch --index-url https://download.pytorch.org/whl/cpu"),
    "openvino": ("openvino", "pip install openvino"),
}

#: The environment variable that sets the book's seed (:func:`course_seed`).
SEED_VARIABLE = "LSTM_COURSE_SEED"


def course_seed() -> int:
    """The seed every chapter derives its seeds from: ``LSTM_COURSE_SEED``, or 0.

    Set the variable before starting Jupyter (or ``make book``) to run the book
    on other seeds; the stored outputs are those of seed 0.

    Returns:
        An integer in ``[0, 2**31)``.

    Raises:
        ValueError: if ``LSTM_COURSE_SEED`` is set to anything else.

    Example:
        >>> SEED = training.set_seed(config.course_seed())
    """
    text = os.environ.get(SEED_VARIABLE, "").strip()
    if not text:
        return 0
    if not text.isdigit() or int(text) >= 2**31:
        raise ValueError(f"{SEED_VARIABLE} must be an integer from 0 to 2**31 - 1, got {text!r}")
    return int(text)


def apply_default_backend() -> str:
    """Set ``KERAS_BACKEND`` to :data:`DEFAULT_BACKEND` unless the reader chose one.

    Warns when Keras was imported earlier with a backend other than the requested
    one, because that choice can no longer be changed in the running process.

    Returns:
        The name of the backend Keras will use (or already uses, if it was
        imported before this call).

    Raises:
        ValueError: if ``KERAS_BACKEND`` names no Keras backend.

    Example:
        >>> config.apply_default_backend()  # done by ``import lstm_companion``
        'jax'
    """
    requested = os.environ.setdefault("KERAS_BACKEND", DEFAULT_BACKEND)
    if requested not in KNOWN_BACKENDS:
        raise ValueError(
            f"KERAS_BACKEND={requested!r} is not a Keras backend; expected one of {', '.join(KNOWN_BACKENDS)}"
        )
    keras = sys.modules.get("keras")
    if keras is not None and hasattr(keras, "backend"):
        active = keras.backend.backend()
        if active != requested:
            warnings.warn(
                f"keras was imported before lstm_companion and uses the {active!r} "
                f"backend, not {requested!r}. Import lstm_companion first, or set "
                "KERAS_BACKEND before starting Python.",
                RuntimeWarning,
                stacklevel=3,
            )
        return active
    return requested


def missing_backend_message(backend: str, error: ModuleNotFoundError) -> str | None:
    """One line saying what to install, when ``error`` is the backend's package missing; else ``None``.

    ``import lstm_companion`` raises it as an ``ImportError`` instead of Keras's
    traceback.

    Returns:
        The message, or ``None`` when ``error`` is about another package.

    Example:
        >>> config.missing_backend_message("torch", ModuleNotFoundError(name="torch"))[:47]
        "KERAS_BACKEND='torch' needs torch, which is not"
    """
    package, command = BACKEND_PACKAGES.get(backend, (None, None))
    if package is None or (error.name or "").split(".")[0] != package:
        return None
    return (
        f"KERAS_BACKEND={backend!r} needs {package}, which is not installed: {command} "
        f"(or unset KERAS_BACKEND to use {DEFAULT_BACKEND})"
    )
