"""What the string-in layers share: raw UTF-8 strings in, padded int32 ids out."""

from __future__ import annotations

import keras
import tensorflow as tf


class TextToIdsLayer(keras.layers.Layer):
    """Base of `WordVectorizer` and `SubwordTokenizer`: strings -> ids `[batch, max_length]`.

    Subclasses set `LEARN_CALL`, implement `set_vocabulary` and `ids_for(texts)` (strings
    `[batch]` -> ids `[batch, max_length]`), and add their own arguments to `get_config`.
    The layer has no weights: its vocabulary is a lookup table, so it is not trainable.

    Args:
        max_length: ids per text; longer texts are truncated, shorter ones padded.
        **kwargs: standard `keras.layers.Layer` arguments.
    """

    # How a vocabulary is learned, named in the error of a layer that has none yet.
    LEARN_CALL = "set_vocabulary(tokens)"

    def __init__(self, max_length: int, **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        self.max_length = max_length
        self.vocabulary = None

    def _require_vocabulary(self):
        if self.vocabulary is None:
            raise ValueError(
                f"{type(self).__name__} has no vocabulary yet. Call `{self.LEARN_CALL}` or "
                "pass `vocabulary=` first."
            )

    def ids_for(self, texts: tf.Tensor) -> tf.Tensor:
        raise NotImplementedError

    def call(self, texts):
        texts = tf.convert_to_tensor(texts, dtype=tf.string)
        if texts.shape.rank == 2:  # a Keras Input of shape (1,) gives [batch, 1]
            texts = tf.squeeze(texts, axis=-1)
        return self.ids_for(texts)

    def build(self, input_shape=None):
        self.built = True

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.max_length)

    def get_config(self):
        config = super().get_config()
        config.update({"vocabulary": self.vocabulary, "max_length": self.max_length})
        return config
