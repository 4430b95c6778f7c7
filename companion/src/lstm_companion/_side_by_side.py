"""Checks and the wrapper model behind :func:`lstm_companion.training.fit_together` and
:func:`~lstm_companion.training.predict_together`: several independent models, each with its own
inputs and targets, run as one Keras model."""

from __future__ import annotations

import json
from collections.abc import Sequence

import keras
import numpy as np

from ._model_checks import check_fits_input, check_model_inputs, check_targets, n_inputs, output_shape, resolve_shortcut
from ._validation import _show, check_array


class SideBySide(keras.Model):
    """Runs independent models on their own inputs; output ``model_i`` is model ``i``'s prediction.

    Models of one architecture given the same input shapes run stacked (:class:`Stacked`, on JAX); the others,
    and every model on the other backends, run one after the other in the same compiled program. Build it with
    :func:`side_by_side`, give it its inputs through :meth:`pack`, and call :meth:`write_back` after training.
    """

    def __init__(self, members, groups=None, shared=None):
        super().__init__(name="side_by_side")
        groups = groups if groups is not None else [[i] for i in range(len(members))]
        layout = []
        for g, indices in enumerate(groups):
            # One attribute per member or stack, not a list: on the torch backend only attributes register the
            # members as torch submodules, and the trainer's zero_grad() reaches only those. Held in a list, the
            # members' gradients were never cleared and added up from step to step.
            if len(indices) == 1:
                name = f"model_{indices[0]}"
                setattr(self, name, members[indices[0]])
            else:
                name = f"stack_{g}"
                setattr(self, name, Stacked([members[i] for i in indices], shared=shared[g], name=name))
            layout.append((name, tuple(indices)))
        object.__setattr__(self, "_layout", tuple(layout))  # not tracked by Keras: names and indices only
        object.__setattr__(self, "_n_members", len(members))
        # The wrapper has no weights of its own: it is built when its members are. Left unbuilt,
        # Keras's predict() would build it by running every member eagerly on one batch, op by op
        # (on JAX, seconds for a dozen models, before the compiled pass even starts).
        self.built = all(member.built for member in members)

    def pack(self, xs: list) -> list:
        """The input of :meth:`call` from one input per model: one entry per stack or lone model."""
        packed = []
        for name, indices in self._layout:
            block = getattr(self, name)
            if not isinstance(block, Stacked) or block.shared:
                packed.append(xs[indices[0]])
            else:
                packed.append(
                    keras.tree.map_structure(lambda *arrays: np.stack(arrays, axis=1), *[xs[i] for i in indices])
                )
        return packed

    def call(self, inputs, training=None):
        # The trainer passes training=True only to a model whose call takes it; the members must get it
        # from here (without it they trained in inference mode: Dropout off, FusedLSTM on its forward-only
        # path, differentiated by the backend instead of by its own backward pass).
        outputs = {}
        for (name, indices), x in zip(self._layout, inputs, strict=True):
            y = getattr(self, name)(x, training=training)
            if len(indices) == 1:
                outputs[indices[0]] = y
            else:
                for k, i in enumerate(indices):
                    outputs[i] = keras.tree.map_structure(lambda t, k=k: t[k], y)
        return {f"model_{i}": outputs[i] for i in range(self._n_members)}

    def write_back(self) -> None:
        """Copy the weights trained in stacks into the models."""
        for name, _ in self._layout:
            block = getattr(self, name)
            if isinstance(block, Stacked):
                block.write_back()


def side_by_side(models, input_lists, optimizer=None) -> SideBySide:
    """The :class:`SideBySide` of ``models``, stacking those that can be (on JAX, with an element-wise optimizer).

    Args:
        input_lists: one list of per-model inputs for every dataset the models will see (training, validation),
            before any split: a stack takes one input for all its models only where every list gives its models
            the very same array.
        optimizer: the optimizer that will train them, or ``None`` for prediction.
    """
    if optimizer is not None and not stacking_optimizer(optimizer):
        return SideBySide(models)
    groups = stack_groups(models, input_lists)
    shared = [all(_same_entries([xs[i] for i in indices]) for xs in input_lists) for indices in groups]
    return SideBySide(models, groups, shared)


def check_models(models) -> list:
    if isinstance(models, keras.Model) or not isinstance(models, Sequence) or not models:
        raise TypeError(f"models must be a non-empty list of keras.Model, got {type(models).__name__}")
    seen: dict[int, int] = {}
    for i, model in enumerate(models):
        if not isinstance(model, keras.Model):
            raise TypeError(f"models[{i}] must be a keras.Model, got {type(model).__name__}")
        for variable in model.weights:
            owner = seen.setdefault(id(variable), i)
            if owner != i:
                raise ValueError(
                    f"models[{owner}] and models[{i}] share the weight {variable.path!r}; "
                    "models trained together must be independent (build each one separately)"
                )
    return list(models)


def per_model_arrays(name: str, values, n_models: int, ndim: tuple[int, ...]) -> list[np.ndarray]:
    """One float32 array per model: ``values`` is one array for all of them, or a list of ``n_models``."""
    if isinstance(values, (list, tuple)):
        if len(values) != n_models:
            raise ValueError(f"{name} must hold one array per model ({n_models}), got {len(values)}")
        return [check_array(f"{name}[{i}]", v, ndim=ndim, dtype=np.float32) for i, v in enumerate(values)]
    array = check_array(name, values, ndim=ndim, dtype=np.float32)
    return [array] * n_models


def per_model_inputs(name: str, values, models) -> list:
    """As :func:`per_model_arrays` for ``x``; a model with several inputs takes a list of arrays, one per input."""
    if all(n_inputs(model) == 1 for model in models):
        return per_model_arrays(name, values, len(models), ndim=(2, 3, 4, 5))
    if not isinstance(values, (list, tuple)):
        raise TypeError(
            f"{name} must be a list with one entry per model ({len(models)}) when a model has several inputs "
            f"(a list of arrays for such a model), got {_show(values)}"
        )
    if len(values) != len(models):
        raise ValueError(
            f"{name} must hold one entry per model ({len(models)}) when a model has several inputs, got {len(values)}"
        )
    return [
        check_model_inputs(f"{name}[{i}]", value, model, model_name=f"models[{i}]")
        if n_inputs(model) > 1
        else check_array(f"{name}[{i}]", value, ndim=(2, 3, 4, 5), dtype=np.float32)
        for i, (value, model) in enumerate(zip(values, models, strict=True))
    ]


def check_input_shapes(models, xs, name: str = "x") -> None:
    for i, (model, x) in enumerate(zip(models, xs, strict=True)):
        if isinstance(x, list):  # a model with several inputs: checked input by input by per_model_inputs
            continue
        check_fits_input(f"{name}[{i}]", x, model, model_name=f"models[{i}]")


def check_model_targets(models, xs, ys, name: str, loss_function, label: str) -> list[np.ndarray]:
    """Each model's targets against its output and the loss."""
    checked = []
    for i, (model, x, y) in enumerate(zip(models, xs, ys, strict=True)):
        shape = output_shape(model, x, model_name=f"models[{i}]", x_name=f"x[{i}]")
        checked.append(check_targets(f"{name}[{i}]", y, shape, resolve_shortcut(loss_function, y, shape), label))
    return checked


# --- Stacking models of one architecture (JAX) --------------------------------------------------------------------
# Side by side, XLA compiles every member's ops separately: twelve copies of one LSTM make twelve loops of small ops,
# each compiled on its own. Models of one architecture are instead stacked: each weight becomes one array with a
# leading axis over the models, and ``jax.vmap`` runs one copy of the model over that axis. The 21 chapters executed
# from an empty JAX cache, two at a time: 365 s side by side, 328 s stacked (benchmarks/README.md).

#: Optimizers that update every weight element by element, so an update of the stacked weights is the update of
#: each model's own weights. Others (Adafactor, Lamb, Muon, ...) look at a weight's shape or norm.
_ELEMENTWISE_OPTIMIZERS = ("SGD", "Adam", "AdamW", "Adamax", "Nadam", "RMSprop", "Adagrad", "Adadelta", "Ftrl", "Lion")


def stacking_optimizer(optimizer: keras.optimizers.Optimizer) -> bool:
    """Whether ``optimizer`` updates stacked weights exactly as it updates each model's weights."""
    return (
        type(optimizer).__name__ in _ELEMENTWISE_OPTIMIZERS
        and type(optimizer).__module__.startswith("keras.")
        and not optimizer.clipnorm  # a norm per weight, or over all weights: not element by element
        and not optimizer.global_clipnorm
        and not getattr(optimizer, "_exclude_from_weight_decay", None)  # chosen by a weight's name
        and not getattr(optimizer, "_exclude_from_weight_decay_pattern", None)
    )


def _architecture(model) -> str | None:
    """A string that two models share when one computes the other's function from its weights; ``None`` if unknown.

    Only Sequential and functional models made of Keras's and this package's layers qualify: their configuration
    (``get_config``) describes all they compute. Layer names are replaced by their position.
    """
    if type(model).__name__ not in ("Functional", "Sequential") or not type(model).__module__.startswith("keras."):
        return None
    if not model.built:  # no weights to stack yet
        return None
    layers = list(model._flatten_layers(include_self=True, recursive=True))
    if not all(type(layer).__module__.startswith(("keras.", "lstm_companion.")) for layer in layers):
        return None
    if not all(_described_by_config(layer) for layer in layers):
        return None
    # Mapped over stacked kernels, a convolution becomes a grouped convolution, which XLA:CPU runs
    # slowly: image_to_sequence took 70 s stacked against 28 s side by side.
    if any("Conv" in type(layer).__name__ for layer in layers):
        return None
    # A weight's regularizer and constraint belong to the model's own variable, which a stack does not train.
    if any(getattr(v, "regularizer", None) is not None or v.constraint is not None for v in model.trainable_variables):
        return None
    names = {layer.name: f"layer {k}" for k, layer in enumerate(layers)}

    def canonical(value, key=None):
        """The configuration with layer names, and only names (an activation may be called like a layer), replaced."""
        if isinstance(value, dict):
            return {k: canonical(item, k) for k, item in value.items()}
        if isinstance(value, (list, tuple)):
            return [canonical(item, key) for item in value]
        if isinstance(value, str) and key in _LAYER_NAME_KEYS:
            return names.get(value, value)
        return value

    try:
        config = keras.saving.serialize_keras_object(model)
    except Exception:  # noqa: BLE001 -- a model Keras cannot describe is not stacked, only laid side by side
        return None
    if _names_a_function(config):
        return None
    variables = [(v.trainable, tuple(v.shape), str(v.dtype)) for v in model.variables]
    return json.dumps([canonical(config), variables], sort_keys=True, default=repr)


def _described_by_config(layer) -> bool:
    """Whether the layer computes nothing beyond what its configuration and variables hold.

    Not so: a preprocessing layer adapted to data (an adapted ``Normalization`` computes from tensors that
    are neither), except a ``Normalization`` given its statistics (:func:`~lstm_companion.preprocessing.with_scaling`);
    a ``Lambda``, whose configuration names its function but does not hold it.
    """
    if type(layer).__name__ == "Lambda":
        return False
    if ".preprocessing." in type(layer).__module__:
        return type(layer).__name__ == "Normalization" and layer.input_mean is not None
    return True


#: Where a model's configuration names a layer: its own name, and the references between layers.
_LAYER_NAME_KEYS = frozenset({"name", "keras_history", "input_layers", "output_layers"})


def _names_a_function(config) -> bool:
    """Whether the configuration refers to a Python function (an activation, a Lambda's body) outside Keras.

    Keras saves such a function by its module and name, so two different closures, or a function
    redefined in a notebook, look alike.
    """
    if isinstance(config, dict):
        if config.get("class_name") in ("function", "__lambda__") and not str(config.get("module", "")).startswith(
            "keras"
        ):
            return True
        return any(_names_a_function(item) for item in config.values())
    if isinstance(config, (list, tuple)):
        return any(_names_a_function(item) for item in config)
    return False


def _input_signature(x) -> tuple:
    return tuple((a.shape[1:], str(a.dtype)) for a in (x if isinstance(x, list) else [x]))


def stack_groups(models, input_lists) -> list[list[int]]:
    """The models in groups: those of one architecture and input shape together (first-seen order), on JAX.

    Args:
        input_lists: one list of per-model inputs for every dataset the models will see (training, validation).
    """
    if keras.backend.backend() != "jax":
        return [[i] for i in range(len(models))]
    groups: dict = {}
    for i, model in enumerate(models):
        architecture = _architecture(model)
        key = (architecture, *(_input_signature(xs[i]) for xs in input_lists)) if architecture else ("alone", i)
        groups.setdefault(key, []).append(i)
    return list(groups.values())


def _same_entries(entries) -> bool:
    flat = [a if isinstance(a, list) else [a] for a in entries]
    return all(len(f) == len(flat[0]) and all(a is b for a, b in zip(f, flat[0], strict=True)) for f in flat)


class Stacked(keras.layers.Layer):
    """Models of one architecture run as one: their weights stacked along a new first axis, mapped with ``jax.vmap``.

    Input: one input for all the models (``shared``) or the models' inputs stacked along axis 1 (the batch stays
    first, as ``fit`` slices it). Output: the models' outputs stacked along axis 0. ``write_back()`` copies the
    stacked weights into the models.
    """

    def __init__(self, models, *, shared: bool, name: str):
        super().__init__(name=name)
        # The models stay out of Keras's tracking: their own weights are not trained here, the stacked ones are.
        object.__setattr__(self, "_models", list(models))
        self.shared = shared
        self.stacked_trainable = self._stack("trainable", [m.trainable_variables for m in models], trainable=True)
        self.stacked_other = self._stack("other", [m.non_trainable_variables for m in models], trainable=False)
        self.built = True

    def _stack(self, kind: str, variable_lists, *, trainable: bool) -> list:
        stacked = []
        for k, variable in enumerate(variable_lists[0]):
            values = np.stack([keras.ops.convert_to_numpy(variables[k]) for variables in variable_lists])
            stacked.append(
                self.add_weight(
                    shape=values.shape,
                    dtype=variable.dtype,
                    trainable=trainable,
                    initializer=lambda shape, dtype, values=values: values,
                    name=f"{kind}_{k}",
                )
            )
        return stacked

    def call(self, inputs, training=None):
        import jax  # only on JAX: groups are stacked on no other backend

        template = self._models[0]

        def one(trainable, other, x):
            return template.stateless_call(trainable, other, x, training=training, return_losses=True)

        outputs, updated, losses = jax.vmap(one, in_axes=(0, 0, None if self.shared else 1))(
            [v.value for v in self.stacked_trainable], [v.value for v in self.stacked_other], inputs
        )
        for variable, value in zip(self.stacked_other, updated, strict=True):
            variable.assign(value)  # seed states of Dropout, statistics of BatchNormalization
        for loss in losses:  # added during the call (an activity regularizer): one per model, summed as side by side
            self.add_loss(keras.ops.sum(loss))
        return outputs

    def write_back(self) -> None:
        """Copy the stacked weights into the models' own."""
        for stacked, attribute in (
            (self.stacked_trainable, "trainable_variables"),
            (self.stacked_other, "non_trainable_variables"),
        ):
            for k, variable in enumerate(stacked):
                values = keras.ops.convert_to_numpy(variable)
                for i, model in enumerate(self._models):
                    getattr(model, attribute)[k].assign(values[i])
