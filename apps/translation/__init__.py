"""Spanish -> English translation with an attention-free seq2seq model."""
