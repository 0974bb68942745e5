"""Sentiment classification of movie reviews with a BiLSTM."""
