"""Losses Keras lacks: sparse (integer-label) cross-entropy with label smoothing."""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="rnn_suite")
class SmoothedSparseCategoricalCrossentropy(keras.losses.Loss):
    """Cross-entropy from integer labels and logits, with label smoothing.

    Keras' `SparseCategoricalCrossentropy` has no `label_smoothing` (3.15), and
    `CategoricalCrossentropy(label_smoothing=...)` needs one-hot labels: a
    `[batch, length, vocabulary]` float tensor per batch. This computes the same value
    from the integer labels: with smoothing `e` over `K` classes the target is
    `(1 - e) * one_hot(y) + e / K`, so per position

        loss = (1 - e) * -log p(y) + e * mean_k(-log p(k)).

    Padding is excluded by the sample weight (0 on padded positions), exactly as for the
    unsmoothed loss; use `reduction="mean_with_sample_weight"` to average over real tokens.

    Args:
        label_smoothing: `e` in [0, 1); 0 is the plain sparse cross-entropy.
        from_logits: whether predictions are logits (True) or probabilities.
        reduction, name: as for every `keras.losses.Loss`.
    """

    def __init__(
        self,
        label_smoothing: float = 0.0,
        from_logits: bool = True,
        reduction: str = "mean_with_sample_weight",
        name: str = "smoothed_sparse_categorical_crossentropy",
        **kwargs,
    ):
        super().__init__(reduction=reduction, name=name, **kwargs)
        if not 0 <= label_smoothing < 1:
            raise ValueError(
                f"Expected label_smoothing in [0, 1). Received: label_smoothing={label_smoothing}"
            )
        self.label_smoothing = float(label_smoothing)
        self.from_logits = from_logits

    def call(self, y_true, y_pred):
        y_pred = ops.convert_to_tensor(y_pred)
        if len(y_true.shape) == len(y_pred.shape):  # labels [..., 1]
            y_true = ops.squeeze(y_true, axis=-1)
        y_true = ops.cast(y_true, "int32")
        log_probs = (
            ops.log_softmax(y_pred, axis=-1)
            if self.from_logits
            else ops.log(ops.clip(y_pred, keras.config.epsilon(), 1.0))
        )
        # A gather, not a one-hot product: no [batch, length, vocabulary] tensor of labels.
        true_log_prob = ops.take_along_axis(log_probs, y_true[..., None], axis=-1)[..., 0]
        if not self.label_smoothing:
            return -true_log_prob
        return -(1.0 - self.label_smoothing) * true_log_prob - self.label_smoothing * ops.mean(
            log_probs, axis=-1
        )

    def get_config(self):
        config = super().get_config()
        config.update({"label_smoothing": self.label_smoothing, "from_logits": self.from_logits})
        return config
