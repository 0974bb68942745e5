"""Names of the recurrent cells, importable without TensorFlow (configs and `--help` use it)."""

CELL_TYPES = ("lstm", "gru", "simple_rnn")

# LSTM carries (hidden, carry); GRU and SimpleRNN carry a hidden state only.
STATES_PER_CELL = {"lstm": 2, "gru": 1, "simple_rnn": 1}
