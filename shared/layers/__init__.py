"""Registered, serializable Keras layers shared by the apps."""

from shared.layers.bag_of_ngrams import HashedBagOfNgrams
from shared.layers.bidirectional_encoder import BidirectionalRecurrentEncoder
from shared.layers.masking import PaddingMask, padding_mask_from_ids
from shared.layers.recurrent_decoder import RecurrentDecoder
from shared.layers.sequence_pooling import MaskedSequencePooling
from shared.layers.state_bridge import StateBridge
from shared.layers.streaming_encoder import StreamingRecurrentEncoder

__all__ = [
    "BidirectionalRecurrentEncoder",
    "HashedBagOfNgrams",
    "MaskedSequencePooling",
    "PaddingMask",
    "RecurrentDecoder",
    "StateBridge",
    "StreamingRecurrentEncoder",
    "padding_mask_from_ids",
]
