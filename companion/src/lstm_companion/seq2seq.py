"""Sequence to sequence as the literature built it: teacher forcing for training, a loop for inference.

Two builders return uncompiled models that are trained with teacher forcing
(inputs and targets follow the token convention of :mod:`lstm_companion.tokens`):

- :func:`build_seq2seq`: the encoder-decoder of Sutskever et al. (2014). An
  encoder LSTM reads the source; its final hidden and cell states ``(h, c)``
  initialise a decoder LSTM, which reads the target shifted right behind START
  (:func:`lstm_companion.tokens.shift_right`) and predicts, at every step, the next
  target token. With ``attention=True`` the decoder also looks back at all the
  encoder's outputs through Bahdanau's additive attention (``keras.layers.AdditiveAttention``).
- :func:`build_image_to_sequence`: the image captioner of Vinyals et al. (2015),
  "Show and tell": a CNN encodes the image into one vector, which the LSTM decoder
  reads as its first input, before START and the caption's words.

Both models map ``[source, decoder_input]`` to next-token probabilities
``(batch, target_steps, vocabulary)``: train them with
``loss="sparse_categorical_crossentropy"`` on the target token ids, e.g. with
:func:`lstm_companion.training.fit_together`, which takes one list of arrays per
model with several inputs.

At inference there is no target to read. :func:`inference_models` takes a trained
model apart into an encoder (run once per source) and a one-step decoder (run once
per output token) that share its layers and weights; :func:`greedy_decode` runs
them, feeding the decoder its own most likely token at every step ("free running"),
and returns the tokens and, for a model with attention, the attention weights;
:func:`beam_search_decode` keeps the few most likely partial sequences instead of one.
"""

from __future__ import annotations

import keras
import numpy as np

from ._validation import check_array, check_bool, check_int, check_model
from .layers import FusedLSTM
from .tokens import END, PAD, START, _check_tokens

__all__ = ["beam_search_decode", "build_image_to_sequence", "build_seq2seq", "greedy_decode", "inference_models"]

# The layers every model built here has, by name: inference_models takes the models apart by them.
_DECODER_LAYERS = ("target_embedding", "decoder", "next_token")
_ATTENTION_LAYERS = ("attention_query", "attention_key", "attention", "attention_concat")


def build_seq2seq(
    source_vocabulary: int,
    target_vocabulary: int,
    *,
    units: int,
    embedding_dim: int = 16,
    attention: bool = False,
) -> keras.Model:
    """The encoder-decoder LSTM of Sutskever et al. (2014), trained with teacher forcing; attention optional.

    The encoder (an ``Embedding``, then an LSTM) reads the source; its final
    ``(h, c)`` is the decoder LSTM's initial state. The decoder reads the target
    shifted right behind START, so at step ``t`` it sees the true token ``t - 1``
    (teacher forcing), and a softmax layer predicts token ``t`` from its output.
    With ``attention=True``, at every step the decoder's output is the query of an
    additive (Bahdanau) attention over the encoder's outputs at all source steps:
    the scores are ``v . tanh(W q_t + U k_j)`` (``W`` and ``U`` are Dense layers
    without bias, ``v`` the ``scale`` of ``keras.layers.AdditiveAttention``), their
    softmax weighs the encoder's outputs into a context vector, and the softmax
    layer reads the decoder's output and the context side by side. (Bahdanau et
    al. feed the context into the decoder's next step; combining it with the
    output of the same step, as Luong et al. (2015) do, lets teacher forcing
    train all steps in one pass.)

    The source's padding (PAD, on the left) is not masked: the models learn to
    ignore it, and the LSTMs keep their fast path (:class:`~lstm_companion.layers.FusedLSTM`).

    Args:
        source_vocabulary: token ids of the source, special tokens included
            (:func:`lstm_companion.tokens.vocabulary_size`).
        target_vocabulary: token ids of the target, special tokens included (>= 4).
        units: size of the encoder's and the decoder's states.
        embedding_dim: size of a token's embedding.
        attention: whether the decoder attends to the encoder's outputs.

    Returns:
        Uncompiled ``keras.Model`` with inputs ``source`` ``(batch, source_steps)``
        and ``decoder_input`` ``(batch, target_steps)`` (token ids, any lengths),
        and output ``(batch, target_steps, target_vocabulary)``, next-token probabilities.
        Parameters: ``(source_vocabulary + target_vocabulary) * embedding_dim`` in the
        embeddings, ``4 * ((embedding_dim + units) * units + units)`` in each LSTM,
        ``2 * units * units + units`` in the attention and ``(units + 1) * target_vocabulary``
        in the output layer, ``(2 * units + 1) * target_vocabulary`` with attention.

    Raises:
        ValueError: if a size is not a positive integer, or ``target_vocabulary``
            has no room for a symbol besides the three special tokens.

    Example:
        >>> model = seq2seq.build_seq2seq(13, 13, units=64, attention=True)
        >>> model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        >>> model.fit([source, tokens.shift_right(target)], target, epochs=10)
    """
    source_vocabulary = check_int("source_vocabulary", source_vocabulary, minimum=4)
    target_vocabulary = check_int("target_vocabulary", target_vocabulary, minimum=4)
    units = check_int("units", units)
    embedding_dim = check_int("embedding_dim", embedding_dim)
    attention = check_bool("attention", attention)
    source = keras.Input(shape=(None,), dtype="int32", name="source")
    decoder_input = keras.Input(shape=(None,), dtype="int32", name="decoder_input")
    embedded_source = keras.layers.Embedding(source_vocabulary, embedding_dim, name="source_embedding")(source)
    encoder = FusedLSTM(units, return_sequences=True, return_state=True, name="encoder")
    memory, state_h, state_c = encoder(embedded_source)
    embedded_target = keras.layers.Embedding(target_vocabulary, embedding_dim, name="target_embedding")(decoder_input)
    decoder = FusedLSTM(units, return_sequences=True, return_state=True, name="decoder")
    decoded, _, _ = decoder(embedded_target, initial_state=[state_h, state_c])
    if attention:
        decoded = _attend(decoded, memory, units)
    outputs = keras.layers.Dense(target_vocabulary, activation="softmax", name="next_token")(decoded)
    name = "seq2seq_attention" if attention else "seq2seq"
    return keras.Model([source, decoder_input], outputs, name=name)


def _attend(decoded, memory, units: int, *, layers: dict | None = None, return_weights: bool = False):
    """Additive attention of the decoder's outputs over ``memory``; the outputs and the context side by side.

    ``layers`` are a trained model's attention layers (by name), reused; ``None`` creates them.
    """
    if layers is None:
        layers = {
            "attention_query": keras.layers.Dense(units, use_bias=False, name="attention_query"),
            "attention_key": keras.layers.Dense(units, use_bias=False, name="attention_key"),
            "attention": keras.layers.AdditiveAttention(name="attention"),
            "attention_concat": keras.layers.Concatenate(name="attention_concat"),
        }
    query, key = layers["attention_query"](decoded), layers["attention_key"](memory)
    # Always with the weights: a Keras layer keeps the output structure of its first call, and the
    # inference model asks for them.
    context, weights = layers["attention"]([query, memory, key], return_attention_scores=True)
    combined = layers["attention_concat"]([decoded, context])
    return (combined, weights) if return_weights else combined


def build_image_to_sequence(
    height: int,
    width: int,
    channels: int,
    vocabulary: int,
    *,
    filters: int = 16,
    kernel_size: int = 3,
    units: int = 64,
    embedding_dim: int = 32,
) -> keras.Model:
    """An image captioner, as in "Show and tell" (Vinyals et al., 2015): a CNN encodes, an LSTM writes.

    Two ``Conv2D`` layers (ReLU, stride 2, so each halves the image as a 2x2
    pooling would, at a quarter of the cost; ``filters``, then ``2 * filters``
    filters), ``Flatten`` and a linear ``Dense`` layer turn the image into one
    vector of ``embedding_dim`` numbers, the size of a word's embedding.
    The decoder LSTM reads that vector first, then START and the caption's words
    (teacher forcing); a softmax layer predicts, after each word, the next one.
    The image is shown once, at the start, as in the paper.

    Args:
        height, width, channels: size of one image.
        vocabulary: token ids of the captions, special tokens included (>= 4).
        filters: filters of the first convolution (the second has twice as many).
        kernel_size: side of the square convolution kernels.
        units: size of the decoder's state.
        embedding_dim: size of the image's encoding and of a word's embedding.

    Returns:
        Uncompiled ``keras.Model`` with inputs ``image`` ``(batch, height, width, channels)``
        and ``decoder_input`` ``(batch, caption_steps)`` (token ids, any length), and
        output ``(batch, caption_steps, vocabulary)``, next-token probabilities.

    Raises:
        ValueError: if a size is not a positive integer, or the image is too small
            for two convolutions of stride 2.

    Example:
        >>> model = seq2seq.build_image_to_sequence(28, 28, 1, tokens.vocabulary_size(tokens.SHAPES))
    """
    height, width, channels = check_int("height", height), check_int("width", width), check_int("channels", channels)
    vocabulary = check_int("vocabulary", vocabulary, minimum=4)
    filters = check_int("filters", filters)
    kernel_size = check_int("kernel_size", kernel_size)
    units = check_int("units", units)
    embedding_dim = check_int("embedding_dim", embedding_dim)
    smallest = min(height, width)
    for _ in range(2):
        smallest = (smallest - kernel_size) // 2 + 1  # a convolution of stride 2 without padding
    if smallest < 1:
        raise ValueError(
            f"images of {height}x{width} are too small for two convolutions of stride 2 with kernel_size={kernel_size}"
        )
    image = keras.Input(shape=(height, width, channels), name="image")
    decoder_input = keras.Input(shape=(None,), dtype="int32", name="decoder_input")
    hidden = keras.layers.Conv2D(filters, kernel_size, strides=2, activation="relu", name="conv_1")(image)
    hidden = keras.layers.Conv2D(2 * filters, kernel_size, strides=2, activation="relu", name="conv_2")(hidden)
    hidden = keras.layers.Flatten(name="flatten")(hidden)
    encoded = keras.layers.Dense(embedding_dim, name="image_embedding")(hidden)
    image_step = keras.layers.Reshape((1, embedding_dim), name="image_step")(encoded)
    embedded = keras.layers.Embedding(vocabulary, embedding_dim, name="target_embedding")(decoder_input)
    steps = keras.layers.Concatenate(axis=1, name="image_first")([image_step, embedded])
    decoded, _, _ = FusedLSTM(units, return_sequences=True, return_state=True, name="decoder")(steps)
    decoded = keras.layers.Cropping1D((1, 0), name="drop_image_step")(decoded)  # no word to predict from the image
    outputs = keras.layers.Dense(vocabulary, activation="softmax", name="next_token")(decoded)
    return keras.Model([image, decoder_input], outputs, name="image_to_sequence")


def _kind(model) -> str:
    """``"seq2seq"``, ``"seq2seq_attention"`` or ``"image"``: which builder made ``model`` (by its layers)."""
    names = {layer.name for layer in model.layers}
    if not set(_DECODER_LAYERS) <= names or len(model.inputs) != 2:
        raise ValueError(
            "model must be built by seq2seq.build_seq2seq or seq2seq.build_image_to_sequence (a model with the "
            f"layers {list(_DECODER_LAYERS)} and two inputs), got {model.name!r}"
        )
    if "encoder" in names:
        return "seq2seq_attention" if set(_ATTENTION_LAYERS) <= names else "seq2seq"
    if "image_step" in names:
        return "image"
    raise ValueError(f"model must have an 'encoder' or an 'image_step' layer, got {model.name!r}")


def inference_models(model: keras.Model) -> tuple[keras.Model, keras.Model]:
    """Take a trained model apart for inference: an encoder, run once, and a decoder that runs one step.

    Both share the layers (and so the weights) of ``model``; nothing is copied.

    - The encoder maps the source (token ids, or an image) to the decoder's
      initial state ``[h, c]``, and with attention also to the encoder's outputs
      ``memory``: ``[h, c, memory]``.
    - The decoder step maps ``[token, h, c]`` (with attention ``[token, h, c, memory]``),
      where ``token`` is ``(batch, 1)``, to ``[probabilities, h, c]``: the next token's
      probabilities ``(batch, 1, vocabulary)`` and the new state; with attention also
      the attention weights ``(batch, 1, source_steps)``, which sum to 1 over the source.

    For an image captioner the encoder runs the decoder LSTM over the image's
    encoding, the first step it reads in training.

    Args:
        model: a model from :func:`build_seq2seq` or :func:`build_image_to_sequence`.

    Returns:
        ``(encoder, decoder_step)``, two ``keras.Model`` objects.

    Raises:
        ValueError: if ``model`` was not built by one of those builders.

    Example:
        >>> encoder, decoder_step = seq2seq.inference_models(model)
        >>> h, c, memory = encoder.predict(source)
    """
    check_model("model", model)
    kind = _kind(model)
    decoder = model.get_layer("decoder")
    units = decoder.units
    if kind == "image":
        _, state_h, state_c = decoder(model.get_layer("image_step").output)
        encoder_outputs = [state_h, state_c]
    else:
        memory, state_h, state_c = model.get_layer("encoder").output
        encoder_outputs = [state_h, state_c] + ([memory] if kind == "seq2seq_attention" else [])
    encoder = keras.Model(model.inputs[0], encoder_outputs, name=f"{model.name}_encoder")

    token = keras.Input(shape=(1,), dtype="int32", name="token")
    h_in, c_in = keras.Input(shape=(units,), name="h"), keras.Input(shape=(units,), name="c")
    step_inputs = [token, h_in, c_in]
    decoded, h_out, c_out = decoder(model.get_layer("target_embedding")(token), initial_state=[h_in, c_in])
    extra = []
    if kind == "seq2seq_attention":
        memory_in = keras.Input(shape=(None, units), name="memory")
        step_inputs.append(memory_in)
        layers = {name: model.get_layer(name) for name in _ATTENTION_LAYERS}
        decoded, weights = _attend(decoded, memory_in, units, layers=layers, return_weights=True)
        extra = [weights]
    probabilities = model.get_layer("next_token")(decoded)
    decoder_step = keras.Model(step_inputs, [probabilities, h_out, c_out, *extra], name=f"{model.name}_step")
    return encoder, decoder_step


def _check_source(model, kind: str, source) -> np.ndarray:
    """``source`` checked against the model's encoder: token ids below its vocabulary, or images of its size."""
    expected = tuple(model.inputs[0].shape[1:])
    if kind == "image":
        source = check_array("source", source, ndim=1 + len(expected), dtype=np.float32)
    else:
        vocabulary = model.get_layer("source_embedding").input_dim
        source = _check_tokens("source", source, vocabulary=vocabulary)
    if any(e is not None and e != s for e, s in zip(expected, source.shape[1:], strict=True)):
        raise ValueError(
            f"source must have per-sample shape {expected} to fit the model's encoder, got {source.shape[1:]}"
        )
    return source


def greedy_decode(model: keras.Model, source, *, max_length: int, return_attention: bool = False):
    """Free running: decode ``source`` token by token, feeding the decoder its own most likely token.

    The encoder runs once; then, starting from START, the decoder step runs at
    most ``max_length`` times, each time reading the token it chose at the step
    before (the argmax of its softmax). A sequence stops at its END: the steps
    after it are PAD. Decoding stops when every sequence has ended.

    Args:
        model: a trained model from :func:`build_seq2seq` or :func:`build_image_to_sequence`.
        source: what the encoder reads: ``(samples, source_steps)`` token ids for a
            seq2seq model, ``(samples, height, width, channels)`` images for a captioner.
        max_length: the most tokens to write per sequence, END included.
        return_attention: also return the attention weights (models with attention only).

    Returns:
        ``int32`` token ids ``(samples, max_length)``: the written symbols, END, then PAD
        (score them with :func:`lstm_companion.tokens.exact_match`). With
        ``return_attention=True``, also ``float32`` weights ``(samples, max_length, source_steps)``:
        row ``t`` says how the decoder spread its attention over the source when it
        wrote token ``t`` (zeros after the sequence's END).

    Raises:
        ValueError: if ``model`` is not from one of the builders, ``source`` does not
            fit its encoder, or attention weights are asked of a model without attention.

    Example:
        >>> predicted, weights = seq2seq.greedy_decode(model, source, max_length=13, return_attention=True)
    """
    check_model("model", model)
    max_length = check_int("max_length", max_length)
    return_attention = check_bool("return_attention", return_attention)
    kind = _kind(model)
    if return_attention and kind != "seq2seq_attention":
        raise ValueError(f"return_attention=True needs a model with attention, got {model.name!r} without")
    source = _check_source(model, kind, source)
    encoder, decoder_step = inference_models(model)
    state = [np.asarray(value) for value in encoder.predict_on_batch(source)]
    n_samples = len(source)
    written = np.full((n_samples, max_length), PAD, dtype=np.int32)
    weights = np.zeros((n_samples, max_length, source.shape[1]), dtype=np.float32) if return_attention else None
    token = np.full((n_samples, 1), START, dtype=np.int32)
    running = np.ones(n_samples, dtype=bool)
    for step in range(max_length):
        outputs = [np.asarray(value) for value in decoder_step.predict_on_batch([token, *state])]
        chosen = outputs[0][:, 0].argmax(axis=-1).astype(np.int32)
        written[running, step] = chosen[running]
        if return_attention:
            weights[running, step] = outputs[3][running, 0]
        running &= chosen != END
        if not running.any():
            break
        token = chosen[:, None]
        state = [outputs[1], outputs[2], *state[2:]]
    return (written, weights) if return_attention else written


def beam_search_decode(model: keras.Model, source, *, max_length: int, beam_width: int = 3) -> np.ndarray:
    """Free running with a beam: keep the ``beam_width`` most likely partial sequences at every step.

    Greedy decoding commits to the most likely token at each step; a token that
    looks a little less likely now may lead to a more likely sequence. Beam search
    (as in the decoders of Sutskever et al., 2014) keeps, for every sample, the
    ``beam_width`` partial sequences with the highest sum of log-probabilities,
    extends each by every token, and keeps the best ``beam_width`` of the
    extensions. A sequence that has written END is kept as it is, with its score.
    After ``max_length`` steps (or when every kept sequence has ended) the one with
    the highest score is returned. With ``beam_width=1`` this is :func:`greedy_decode`;
    with a beam as wide as the number of possible sequences, an exact search.

    Args:
        model: a trained model from :func:`build_seq2seq` or :func:`build_image_to_sequence`.
        source: what the encoder reads, as in :func:`greedy_decode`.
        max_length: the most tokens to write per sequence, END included.
        beam_width: partial sequences kept per sample (>= 1).

    Returns:
        ``int32`` token ids ``(samples, max_length)``: the written symbols, END, then PAD.

    Raises:
        ValueError: if ``model`` is not from one of the builders, or ``source`` does
            not fit its encoder.

    Example:
        >>> predicted = seq2seq.beam_search_decode(model, source, max_length=11, beam_width=4)
    """
    check_model("model", model)
    max_length = check_int("max_length", max_length)
    beam_width = check_int("beam_width", beam_width)
    kind = _kind(model)
    source = _check_source(model, kind, source)
    encoder, decoder_step = inference_models(model)
    n_samples, k = len(source), beam_width
    # every array is (n_samples * k, ...): sample i's beams in rows i * k to i * k + k - 1
    state = [np.repeat(np.asarray(value), k, axis=0) for value in encoder.predict_on_batch(source)]
    written = np.full((n_samples, k, max_length), PAD, dtype=np.int32)
    scores = np.full((n_samples, k), -np.inf)
    scores[:, 0] = 0.0  # one beam to start from; the others join at the first step
    ended = np.zeros((n_samples, k), dtype=bool)
    token = np.full((n_samples * k, 1), START, dtype=np.int32)
    rows = np.arange(n_samples)[:, None]
    for step in range(max_length):
        outputs = [np.asarray(value) for value in decoder_step.predict_on_batch([token, *state])]
        log_p = np.log(np.maximum(outputs[0][:, 0].astype(np.float64), 1e-30)).reshape(n_samples, k, -1)
        log_p[ended] = -np.inf  # an ended sequence has one continuation, PAD, which costs nothing
        log_p[ended, PAD] = 0.0
        vocabulary = log_p.shape[-1]
        candidates = (scores[:, :, None] + log_p).reshape(n_samples, k * vocabulary)
        best = np.argsort(-candidates, axis=1, kind="stable")[:, :k]
        beam, chosen = best // vocabulary, (best % vocabulary).astype(np.int32)
        scores = np.take_along_axis(candidates, best, axis=1)
        written = written[rows, beam]
        written[:, :, step] = chosen
        ended = ended[rows, beam] | (chosen == END)
        if ended[np.isfinite(scores)].all():
            break
        flat = (rows * k + beam).reshape(-1)
        state = [outputs[1][flat], outputs[2][flat], *[value[flat] for value in state[2:]]]
        token = chosen.reshape(-1, 1)
    return written[np.arange(n_samples), scores.argmax(axis=1)]
