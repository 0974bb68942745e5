"""The numbers graph code, phone code, configs and servers must agree on, in one place.

TensorFlow-free on purpose: the phone runners (`shared/edge`), the server (`apps/serve`) and
`--help` import it without paying for a TensorFlow import.
"""

# -- special tokens: every vocabulary (word or WordPiece) starts with these ----------------
PAD_TOKEN, UNK_TOKEN, START_TOKEN, END_TOKEN = "[PAD]", "[UNK]", "[START]", "[END]"
PAD_ID, UNK_ID, START_ID, END_ID = 0, 1, 2, 3
WORD_RESERVED_TOKENS = (PAD_TOKEN, UNK_TOKEN)
SUBWORD_RESERVED_TOKENS = (PAD_TOKEN, UNK_TOKEN, START_TOKEN, END_TOKEN)
# WordPiece marks a piece that continues a word with this prefix ("play", "##ing").
JOINER = "##"
# A decoder never generates these: padding, and the start token it was fed.
BANNED_IDS = (PAD_ID, START_ID)

# -- raw-text limits shared by the graph tokenizer and the phone tokenizer -----------------
# The words a too-long text keeps: "end" cuts the end (keeps the opening), "start" the start.
TRUNCATION_SIDES = ("end", "start")


def checked_truncation_side(truncate_from: str) -> str:
    """`truncate_from` when it is one of `TRUNCATION_SIDES`; else a ValueError naming them."""
    if truncate_from not in TRUNCATION_SIDES:
        raise ValueError(
            f"Expected `truncate_from` in {TRUNCATION_SIDES}. Received: {truncate_from!r}"
        )
    return truncate_from


# Raw characters kept per allowed word, before any regex. Generous: English averages ~5-6.
CHARS_PER_TOKEN_CAP = 32

# -- recurrent cells and the layout of their state -----------------------------------------
CELL_TYPES = ("lstm", "gru", "simple_rnn")
# LSTM carries (hidden, carry); GRU and SimpleRNN carry a hidden state only. Phone models
# and streaming signatures name their state tensors in this order.
STATE_NAMES = {"lstm": ("hidden", "carry"), "gru": ("hidden",), "simple_rnn": ("hidden",)}
STATES_PER_CELL = {cell: len(names) for cell, names in STATE_NAMES.items()}

# -- batching: the largest merged batch, and the sizes it is padded up to ------------------
# Serving signatures compile one XLA shape per batch bucket; TF Serving's batching and the
# local server pad merged batches to the same sizes, so no request triggers a new compile.
MAX_SERVING_BATCH = 32


def batch_buckets(max_batch: int = MAX_SERVING_BATCH) -> list[int]:
    """Powers of two from 1 up to (and including the first at or above) `max_batch`."""
    sizes = [1]
    while sizes[-1] < max_batch:
        sizes.append(sizes[-1] * 2)
    return sizes
