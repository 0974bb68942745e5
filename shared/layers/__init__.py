"""Registered, serializable Keras layers shared by the apps."""

from shared.layers.bidirectional_encoder import BidirectionalRecurrentEncoder
from shared.layers.masking import PAD_ID, PaddingMask, padding_mask_from_ids
from shared.layers.sequence_pooling import MaskedSequencePooling

__all__ = [
    "PAD_ID",
    "BidirectionalRecurrentEncoder",
    "MaskedSequencePooling",
    "PaddingMask",
    "padding_mask_from_ids",
]
