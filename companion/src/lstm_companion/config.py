"""The one place where the course chooses its Keras backend.

Keras reads the environment variable ``KERAS_BACKEND`` once, when ``keras`` is
first imported. The course defaults to JAX (measured fastest for small LSTMs on
CPU); a reader overrides it by setting ``KERAS_BACKEND`` before starting Python
or the notebook server, e.g. ``KERAS_BACKEND=tensorflow jupyter lab``.

``import lstm_companion`` applies the default (it never overrides a value the
reader set) before any of its modules imports Keras.
"""

from __future__ import annotations

import os
import sys
import warnings

#: The backend the course uses when ``KERAS_BACKEND`` is not set.
DEFAULT_BACKEND = "jax"

#: Backends Keras 3 understands.
KNOWN_BACKENDS = ("jax", "tensorflow", "torch", "numpy", "openvino")


def apply_default_backend() -> str:
    """Set ``KERAS_BACKEND`` to :data:`DEFAULT_BACKEND` unless the reader chose one.

    Returns the backend name that Keras will use (or already uses, if it was
    imported before this call). Warns when Keras was imported earlier with a
    backend other than the requested one, because that choice can no longer be
    changed in the running process.
    """
    requested = os.environ.setdefault("KERAS_BACKEND", DEFAULT_BACKEND)
    if requested not in KNOWN_BACKENDS:
        raise ValueError(
            f"KERAS_BACKEND={requested!r} is not a Keras backend; "
            f"expected one of {', '.join(KNOWN_BACKENDS)}"
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
