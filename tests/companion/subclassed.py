"""A subclassed Keras model for the tests: it has no keras.Input, so no shapes until it is called.

Test modules in this folder import it by name (pytest puts the folder on ``sys.path``).
"""

import lstm_companion  # noqa: F401  (applies the default Keras backend before keras loads)

import keras


class LastStep(keras.Model):
    """A Dense layer on the last step of each sequence: ``(batch, steps, features)`` to ``(batch, 1)``."""

    def __init__(self):
        super().__init__()
        self.dense = keras.layers.Dense(1)

    def call(self, inputs):
        return self.dense(inputs[:, -1])
