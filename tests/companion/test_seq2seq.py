"""lstm_companion.seq2seq: the builders (teacher forcing), their inference models, greedy decoding."""

from lstm_companion import baselines, seq2seq, tokens, training

import keras
import numpy as np
import pytest

V = tokens.vocabulary_size(tokens.DIGITS)  # 13


def lstm_params(n_features, units):
    return 4 * ((n_features + units) * units + units)


def _seq2seq(attention, units=8, embedding_dim=4, seed=0):
    training.set_seed(seed)
    return seq2seq.build_seq2seq(V, V, units=units, embedding_dim=embedding_dim, attention=attention)


def _captioner(seed=0):
    training.set_seed(seed)
    return seq2seq.build_image_to_sequence(24, 24, 1, 7, filters=4, units=8, embedding_dim=6)


def _data(n=16, max_length=5, seed=0):
    source, target = tokens.reversal_problem(n, min_length=1, max_length=max_length, seed=seed)
    return source, tokens.shift_right(target), target


def test_build_seq2seq_is_uncompiled_and_counts_parameters():
    for attention in (False, True):
        model = _seq2seq(attention)
        assert isinstance(model, keras.Model) and not model.compiled
        assert [tensor.name for tensor in model.inputs] == ["source", "decoder_input"]
        shared = 2 * V * 4 + 2 * lstm_params(4, 8)
        expected = shared + (8 + 1) * V if not attention else shared + 2 * 8 * 8 + 8 + (2 * 8 + 1) * V
        assert model.count_params() == expected
        source, decoder_input, _ = _data()
        probabilities = model.predict([source, decoder_input], verbose=0)
        assert probabilities.shape == (16, 6, V)
        np.testing.assert_allclose(probabilities.sum(axis=-1), 1.0, atol=1e-5)


def test_the_source_and_target_may_have_any_length():
    model = _seq2seq(True)
    assert model.predict([np.full((2, 3), 4), np.full((2, 9), 1)], verbose=0).shape == (2, 9, V)


def test_build_image_to_sequence_reads_the_image_first_and_counts_parameters():
    model = _captioner()
    assert not model.compiled and [tensor.name for tensor in model.inputs] == ["image", "decoder_input"]
    side = ((24 - 3) // 2 + 1 - 3) // 2 + 1
    expected = (9 * 4 + 4) + (9 * 4 * 8 + 8) + (side * side * 8 + 1) * 6 + 7 * 6 + lstm_params(6, 8) + (8 + 1) * 7
    assert model.count_params() == expected
    images, captions = tokens.shape_captions(4, seed=0)
    assert model.predict([images, tokens.shift_right(captions)], verbose=0).shape == (4, 5, 7)
    with pytest.raises(ValueError, match="too small for two convolutions of stride 2"):
        seq2seq.build_image_to_sequence(4, 24, 1, 7)


def test_same_seed_same_initial_weights():
    for build in (lambda: _seq2seq(True, seed=3), lambda: _captioner(seed=3)):
        for a, b in zip(build().get_weights(), build().get_weights(), strict=True):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("kind", ["plain", "attention", "image"])
def test_models_round_trip_through_a_keras_file_in_safe_mode(kind, tmp_path):
    model = _captioner() if kind == "image" else _seq2seq(kind == "attention")
    if kind == "image":
        images, captions = tokens.shape_captions(4, seed=0)
        inputs = [images, tokens.shift_right(captions)]
    else:
        inputs = list(_data()[:2])
    expected = model.predict(inputs, verbose=0)
    model.save(tmp_path / f"{kind}.keras")
    restored = keras.saving.load_model(tmp_path / f"{kind}.keras")  # safe_mode stays on
    np.testing.assert_allclose(restored.predict(inputs, verbose=0), expected, rtol=1e-5, atol=1e-6)
    restored_tokens = seq2seq.greedy_decode(restored, inputs[0], max_length=4)
    np.testing.assert_array_equal(restored_tokens, seq2seq.greedy_decode(model, inputs[0], max_length=4))


@pytest.mark.parametrize("kind", ["plain", "attention", "image"])
def test_the_inference_models_step_through_what_the_training_model_computes(kind):
    """Fed the true previous tokens one step at a time, the decoder step gives the teacher-forced output."""
    if kind == "image":
        model = _captioner()
        source, target = tokens.shape_captions(6, seed=2)
        decoder_input = tokens.shift_right(target)
    else:
        model = _seq2seq(kind == "attention")
        source, decoder_input, _ = _data(6)
    forced = model.predict([source, decoder_input], verbose=0)
    encoder, step = seq2seq.inference_models(model)
    state = [np.asarray(v) for v in encoder.predict_on_batch(source)]
    assert len(state) == (3 if kind == "attention" else 2)
    for t in range(decoder_input.shape[1]):
        outputs = [np.asarray(v) for v in step.predict_on_batch([decoder_input[:, t : t + 1], *state])]
        np.testing.assert_allclose(outputs[0][:, 0], forced[:, t], atol=2e-5)
        if kind == "attention":
            weights = outputs[3]
            assert weights.shape == (6, 1, source.shape[1])
            np.testing.assert_allclose(weights.sum(axis=-1), 1.0, atol=1e-5)
        state = [outputs[1], outputs[2], *state[2:]]


@pytest.mark.parametrize("attention", [False, True])
def test_greedy_decode_feeds_back_its_most_likely_token_and_stops_at_the_end(attention):
    model = _seq2seq(attention, seed=1)
    source, _, _ = _data(8)
    written = seq2seq.greedy_decode(model, source, max_length=6)
    assert written.shape == (8, 6) and written.dtype == np.int32
    # the same tokens from the training model, run again on its own growing output
    fed = np.full((8, 1), tokens.START)
    for _ in range(6):
        chosen = model.predict([source, fed], verbose=0)[:, -1].argmax(axis=-1)
        fed = np.concatenate([fed, chosen[:, None]], axis=1)
    for row, reference in zip(written, fed[:, 1:], strict=True):
        ends = np.flatnonzero(reference == tokens.END)
        stop = ends[0] + 1 if ends.size else 6
        np.testing.assert_array_equal(row[:stop], reference[:stop])
        assert (row[stop:] == tokens.PAD).all()


def test_greedy_decode_returns_attention_weights_that_sum_to_one_until_the_end():
    model = _seq2seq(True, seed=2)
    source, _, _ = _data(8)
    written, weights = seq2seq.greedy_decode(model, source, max_length=6, return_attention=True)
    assert weights.shape == (8, 6, source.shape[1]) and weights.dtype == np.float32
    for row, w in zip(written, weights, strict=True):
        ends = np.flatnonzero(row == tokens.END)
        stop = ends[0] + 1 if ends.size else 6
        np.testing.assert_allclose(w[:stop].sum(axis=-1), 1.0, atol=1e-5)
        assert (w[stop:] == 0).all()


def test_greedy_decode_captions_images():
    model = _captioner()
    images, _ = tokens.shape_captions(5, seed=0)
    assert seq2seq.greedy_decode(model, images, max_length=5).shape == (5, 5)
    with pytest.raises(ValueError, match=r"source must have per-sample shape \(24, 24, 1\)"):
        seq2seq.greedy_decode(model, images[:, :20], max_length=5)


def test_greedy_decode_and_inference_models_refuse_what_they_cannot_run():
    plain = _seq2seq(False)
    source, _, _ = _data(4)
    with pytest.raises(ValueError, match="return_attention=True needs a model with attention"):
        seq2seq.greedy_decode(plain, source, max_length=3, return_attention=True)
    with pytest.raises(ValueError, match="below the vocabulary size 13"):
        seq2seq.greedy_decode(plain, source + 20, max_length=3)
    other = baselines.build_simple_rnn(5, 2, units=2, n_outputs=1)
    with pytest.raises(ValueError, match="model must be built by seq2seq.build_seq2seq"):
        seq2seq.inference_models(other)
    with pytest.raises(TypeError, match="model must be a keras.Model"):
        seq2seq.greedy_decode("model", source, max_length=3)


@pytest.mark.parametrize("attention", [False, True])
def test_beam_search_with_a_beam_of_one_is_greedy_decoding(attention):
    model = _seq2seq(attention, seed=3)
    source, _, _ = _data(8)
    np.testing.assert_array_equal(
        seq2seq.beam_search_decode(model, source, max_length=6, beam_width=1),
        seq2seq.greedy_decode(model, source, max_length=6),
    )


def _log_likelihood(model, source, written):
    """Sum of the log-probabilities the training model gives ``written``, up to its END."""
    probabilities = model.predict([source, tokens.shift_right(written)], verbose=0)
    picked = np.log(np.take_along_axis(probabilities, written[..., None], axis=-1)[..., 0])
    ended = np.cumsum(written == tokens.END, axis=1) - (written == tokens.END)  # 1 after the END
    return np.where(ended > 0, 0.0, picked).sum(axis=1)


def test_a_beam_as_wide_as_every_sequence_finds_the_most_likely_one():
    training.set_seed(4)
    model = seq2seq.build_seq2seq(5, 5, units=4, embedding_dim=3)  # 5 tokens: every sequence of 3 can be listed
    source = np.array([[3, 4, 3], [4, 4, 3], [0, 3, 4]])
    best = seq2seq.beam_search_decode(model, source, max_length=3, beam_width=25)
    every = np.array(np.meshgrid(*[range(5)] * 3, indexing="ij")).reshape(3, -1).T.astype(np.int32)
    for i in range(len(source)):
        likelihoods = _log_likelihood(model, np.repeat(source[i : i + 1], len(every), axis=0), every)
        np.testing.assert_allclose(
            _log_likelihood(model, source[i : i + 1], best[i : i + 1])[0], likelihoods.max(), rtol=1e-4
        )
    greedy = seq2seq.greedy_decode(model, source, max_length=3)
    assert (_log_likelihood(model, source, best) >= _log_likelihood(model, source, greedy) - 1e-5).all()


def test_beam_search_captions_images_and_checks_its_arguments():
    model = _captioner()
    images, _ = tokens.shape_captions(4, seed=0)
    written = seq2seq.beam_search_decode(model, images, max_length=5, beam_width=3)
    assert written.shape == (4, 5) and written.dtype == np.int32
    with pytest.raises(ValueError, match=r"source must have per-sample shape \(24, 24, 1\)"):
        seq2seq.beam_search_decode(model, images[:, :20], max_length=5)
    with pytest.raises(ValueError, match="beam_width"):
        seq2seq.beam_search_decode(model, images, max_length=5, beam_width=0)


def test_a_model_with_attention_learns_to_reverse_short_strings():
    source, target = tokens.reversal_problem(2048, min_length=1, max_length=4, seed=0)
    model = _seq2seq(True, units=16, embedding_dim=8)
    training.fit_together(
        [model],
        [[source, tokens.shift_right(target)]],
        target,
        loss="sparse_categorical_crossentropy",
        epochs=8,
        batch_size=32,
        learning_rate=1e-2,
        schedule="cosine",
    )
    test_source, test_target = tokens.reversal_problem(200, min_length=1, max_length=4, seed=1)
    written = seq2seq.greedy_decode(model, test_source, max_length=5)
    assert tokens.exact_match(written, test_target).mean() > 0.9
