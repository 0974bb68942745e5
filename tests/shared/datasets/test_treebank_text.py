"""Treebank-tokenised text (SST-2) put back as people write it."""

import pytest

from shared.datasets.treebank_text import reattach_clitics, untokenize_treebank
from shared.text.normalization import tokenized_batches


@pytest.mark.parametrize(
    ("treebank", "written"),
    [
        ("it does n't work .", "it doesn't work ."),
        ("the film 's charm", "the film's charm"),
        ("i ca n't , we wo n't", "i can't , we won't"),
        ("they 're here , i 'm gone , he 'd go , we 'll see , you 've won", None),
        ("IT IS N'T", "IT ISN'T"),
        ("`` great '' film", '" great " film'),
    ],
)
def test_split_contractions_and_quotes_are_reattached(treebank, written):
    expected = written or "they're here , i'm gone , he'd go , we'll see , you've won"
    assert reattach_clitics(treebank) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Don't stop: rock 'n' roll, the '90s",
        "He said 'stop' and 'don't' twice",
        "n't at the start, ''inside''words",
        "It's a <br /> \"quoted\" film's end",
    ],
)
def test_text_people_wrote_is_left_alone(text):
    assert reattach_clitics(text) == text


def test_untokenize_counts_the_texts_it_changed():
    texts, changed = untokenize_treebank(["it 's fine", "it's fine", "fine"])
    assert texts == ["it's fine", "it's fine", "fine"] and changed == 1


def test_reattached_text_gets_the_tokens_of_what_a_user_types():
    treebank = "it does n't work , but the film 's `` charm '' ca n't fail ."
    typed = "It doesn't work, but the film's \"charm\" can't fail."
    as_read, as_typed = (
        next(tokenized_batches([text])).to_list()[0] for text in (reattach_clitics(treebank), typed)
    )
    assert as_read == as_typed
    assert b"doesn't" in as_read
