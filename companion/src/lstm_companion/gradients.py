"""Gradients of a Keras model's loss, on whichever backend Keras runs.

Keras 3 has no backend-neutral ``gradient`` function: training code asks the
backend (``jax.grad``, ``tf.GradientTape``, ``torch.autograd``). The helpers
here do the same dispatch once, so the chapters can measure gradients with one
call whatever ``KERAS_BACKEND`` is:

- :func:`input_gradients`: ``dL/dx``, the gradient of each sample's loss with
  respect to its own inputs, shaped like ``x``;
- :func:`input_gradient_norms`: its Euclidean norm at each time step, averaged
  over the samples -- how much of the loss signal reaches step ``t``;
- :func:`weight_gradient_norms`: the norm of the gradient of the mean loss with
  respect to each trainable weight, which is what ``clipnorm`` clips.
"""

from __future__ import annotations

import inspect
import weakref
from collections.abc import Callable

import keras
import numpy as np

from ._model_checks import (
    check_data,
    check_fits_input,
    check_functional,
    check_loss,
    check_targets,
    loss_label,
    output_shape,
    resolve_shortcut,
)
from ._validation import check_array, check_model

__all__ = ["input_gradient_norms", "input_gradients", "weight_gradient_norms"]


def _check_inputs(model, x, y, loss):
    """The model, ``x``, ``y`` and the loss checked against each other; the loss as a per-sample function."""
    check_model("model", model)
    x, y = check_data("x", "y", x, y)
    check_functional("model", model)
    check_fits_input("x", x, model)
    loss_function = check_loss("loss", loss)
    shape = output_shape(model, x)
    loss_function = resolve_shortcut(loss_function, y, shape)
    y = check_targets("y", y, shape, loss_function, loss_label(loss))
    if isinstance(loss_function, keras.losses.Loss):
        # Loss objects average over the batch when called; their call() gives one value per sample.
        loss_function = loss_function.call
    return x, y, loss_function


def _per_sample_loss(loss_fn, y, y_pred):
    """The loss of each sample: the loss function's output, averaged over any remaining axes."""
    values = loss_fn(y, y_pred)
    while len(values.shape) > 1:
        values = keras.ops.mean(values, axis=-1)
    return values


# model -> {key: compiled gradient}; an entry goes with its model
_COMPILED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _jax_gradient(model, kind: str, loss, loss_fn):
    """The gradient on JAX as one compiled program; return it with the weights' values to call it with.

    ``kind`` is ``"inputs"`` (of the summed loss, with respect to ``x``) or ``"weights"`` (of the
    mean loss, with respect to the trainable weights). Run operation by operation (``jax.grad``
    called eagerly), every operation of the forward and backward pass, each step's scan among
    them, was compiled on its own for each model: 262 programs for ``vanishing_gradients``' 45
    models, against 97 compiled whole (``benchmarks/README.md``). The weights are arguments, so
    JAX's compilation cache serves every model of one architecture.

    With a loss given by name, the compiled gradient is kept for the model's next call (the
    same model asked again costs no compilation), keyed on which variables are trainable. A
    loss object or function is compiled afresh on every call: what it computes may have
    changed since (an attribute, a global it reads), and a kept program would not see it.
    """
    import jax

    trainable, non_trainable = model.trainable_variables, model.non_trainable_variables
    key = (kind, loss_fn, tuple(map(id, trainable)), tuple(map(id, non_trainable)))
    # a name resolves to one of Keras's loss functions (which one may depend on the targets: in the key)
    kept = _COMPILED.setdefault(model, {}) if isinstance(loss, str) and inspect.isfunction(loss_fn) else {}
    if key not in kept:
        model_ref = weakref.ref(model)  # a strong reference would keep the model alive in _COMPILED

        def loss_of(trainable_values, non_trainable_values, inputs, targets):
            y_pred, _ = model_ref().stateless_call(trainable_values, non_trainable_values, inputs, training=False)
            values = _per_sample_loss(loss_fn, targets, y_pred)
            return keras.ops.sum(values) if kind == "inputs" else keras.ops.mean(values)

        kept[key] = jax.jit(jax.grad(loss_of, argnums=2 if kind == "inputs" else 0))
    return kept[key], [v.value for v in trainable], [v.value for v in non_trainable]


def input_gradients(model: keras.Model, x, y, *, loss: str | Callable = "mse") -> np.ndarray:
    """The gradient of each sample's loss with respect to that sample's inputs.

    Samples do not interact in a forward pass, so this is the gradient of the
    *summed* loss with respect to ``x``: row ``i`` is ``d loss_i / d x_i``, not
    divided by the batch size.

    Args:
        model: a ``keras.Model`` built from one ``keras.Input`` (functional or
            ``Sequential``; compiled or not), with one output.
        x: inputs, ``(n_samples, ...)`` matching the model's input shape, finite in ``float32``.
        y: targets, ``(n_samples, ...)`` matching the model's output (a trailing
            axis of size 1 may be left out; class indices for a sparse loss) and
            suiting the loss, as :func:`lstm_companion.training.compile_and_fit` checks them.
        loss: a Keras loss name (``"mse"``, ``"binary_crossentropy"``, ...), a
            ``keras.losses.Loss`` object (its per-sample values, ``loss.call``, are
            used), or a callable ``(y_true, y_pred)`` returning one value per sample.

    Returns:
        ``float32`` array shaped like ``x``.

    Raises:
        TypeError: if ``model`` is not a ``keras.Model``, an array is not one of
            real numbers, or ``loss`` is neither a name, a ``Loss`` nor a callable.
        ValueError: if the model has no ``keras.Input`` (subclassed, or not built
            yet), ``x`` or ``y`` does not fit it, ``y`` does not suit the loss, a
            value is not finite in ``float32``, or the loss name is unknown.

    Example:
        >>> dx = gradients.input_gradients(model, x[:64], y[:64], loss="mse")
    """
    x, y, loss_fn = _check_inputs(model, x, y, loss)
    backend = keras.backend.backend()
    if backend == "jax":
        gradient_of, trainable, non_trainable = _jax_gradient(model, "inputs", loss, loss_fn)
        gradient = gradient_of(trainable, non_trainable, x, y)
    elif backend == "tensorflow":
        import tensorflow as tf

        inputs = tf.convert_to_tensor(x)
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            total = tf.reduce_sum(_per_sample_loss(loss_fn, y, model(inputs, training=False)))
        gradient = tape.gradient(total, inputs)
    elif backend == "torch":
        import torch

        inputs = torch.tensor(x, requires_grad=True, device=keras.ops.convert_to_tensor(x[:1]).device)
        total = torch.sum(_per_sample_loss(loss_fn, keras.ops.convert_to_tensor(y), model(inputs, training=False)))
        (gradient,) = torch.autograd.grad(total, inputs)
    else:  # pragma: no cover - numpy/openvino backends cannot differentiate
        raise RuntimeError(f"gradients need the jax, tensorflow or torch backend; Keras is using {backend!r}")
    return np.asarray(keras.ops.convert_to_numpy(gradient), dtype=np.float32)


def input_gradient_norms(model: keras.Model, x, y, *, loss: str | Callable = "mse") -> np.ndarray:
    """How much gradient reaches each time step: ``mean_i ||d loss_i / d x_{i,t}||``.

    Args:
        model: a ``keras.Model`` built from a ``keras.Input`` of shape ``(n_steps, n_features)``.
        x: inputs, ``(n_samples, n_steps, n_features)``.
        y: targets matching the model's output.
        loss: as in :func:`input_gradients`.

    Raises:
        TypeError, ValueError: as :func:`input_gradients`.

    Returns:
        ``(n_steps,)`` array: entry ``t`` is the Euclidean norm over features of
        the gradient at step ``t``, averaged over the samples. On a log scale,
        a straight downward line towards ``t = 0`` is a vanishing gradient.

    Example:
        >>> norms = gradients.input_gradient_norms(model, x[:64], y[:64])  # (n_steps,)
    """
    x = check_array("x", x, ndim=3, dtype=np.float32)
    gradient = input_gradients(model, x, y, loss=loss)
    return np.linalg.norm(gradient.astype(np.float64), axis=2).mean(axis=0)


def weight_gradient_norms(model: keras.Model, x, y, *, loss: str | Callable = "mse") -> dict[str, float]:
    """The norm of the gradient of the mean loss with respect to each trainable weight.

    This is the quantity an optimiser's ``clipnorm`` caps (per weight);
    ``global_clipnorm`` caps the norm of all of them together, which is
    ``sqrt(sum(norm**2))`` of the values returned here.

    Args:
        model: a ``keras.Model`` built from one ``keras.Input``.
        x: inputs, ``(n_samples, ...)``.
        y: targets matching the model's output.
        loss: as in :func:`input_gradients`.

    Returns:
        Dict mapping each trainable weight's path (e.g. ``"simple_rnn/kernel"``)
        to the Euclidean norm of its gradient, in ``model.trainable_weights`` order.

    Raises:
        TypeError, ValueError: as :func:`input_gradients`; ``ValueError`` also if
            the model has no trainable weights.

    Example:
        >>> norms = gradients.weight_gradient_norms(model, x[:64], y[:64])
        >>> total = sum(value**2 for value in norms.values()) ** 0.5
    """
    x, y, loss_fn = _check_inputs(model, x, y, loss)
    weights = model.trainable_variables
    if not weights:
        raise ValueError("model has no trainable weights")
    backend = keras.backend.backend()
    if backend == "jax":
        gradient_of, trainable, non_trainable = _jax_gradient(model, "weights", loss, loss_fn)
        gradients = gradient_of(trainable, non_trainable, x, y)
    elif backend == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            total = tf.reduce_mean(_per_sample_loss(loss_fn, y, model(x, training=False)))
        gradients = tape.gradient(total, weights)
    elif backend == "torch":
        import torch

        total = torch.mean(_per_sample_loss(loss_fn, keras.ops.convert_to_tensor(y), model(x, training=False)))
        gradients = torch.autograd.grad(total, [w.value for w in weights])
    else:  # pragma: no cover
        raise RuntimeError(f"gradients need the jax, tensorflow or torch backend; Keras is using {backend!r}")
    return {
        w.path: float(np.linalg.norm(np.asarray(keras.ops.convert_to_numpy(g), dtype=np.float64)))
        for w, g in zip(weights, gradients, strict=True)
    }
