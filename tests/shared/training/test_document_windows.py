"""document_windows: every document read once, whole and in order, one slot at a time."""

import numpy as np
import pytest

from shared.ids import PAD_ID
from shared.training.document_windows import (
    document_order,
    document_windows_dataset,
    estimated_steps_per_epoch,
    window_steps,
)

WINDOW, SLOTS = 4, 3


def generated_documents(count=11, seed=0):
    rng = np.random.default_rng(seed)
    documents = [list(rng.integers(1, 50, size=int(rng.integers(0, 15)))) for _ in range(count)]
    return documents, [index % 2 for index in range(count)]


def steps_of(documents, labels, order=None, window=WINDOW, slots=SLOTS):
    order = range(len(documents)) if order is None else order
    return list(window_steps(documents, labels, order, window=window, batch_slots=slots))


def test_windows_reproduce_each_document_in_order_one_slot_each():
    documents, labels = generated_documents()
    documents[3] = []  # an empty document is read as one padding window
    read = {index: [] for index in range(len(documents))}
    slot_of = {}
    for step in steps_of(documents, labels):
        for slot, document in enumerate(step.documents):
            if document < 0:
                assert not step.active[slot] and step.reset[slot]
                assert (step.ids[slot] == PAD_ID).all()
                continue
            assert slot_of.setdefault(document, slot) == slot, "a document changed slot"
            assert step.reset[slot] == (not read[document]), "reset exactly where it starts"
            assert step.active[slot] and step.labels[slot] == labels[document]
            read[document].extend(step.ids[slot])
            ended = len(read[document]) >= len(documents[document])
            assert step.last_window[slot] == ended
    for index, document in enumerate(documents):
        windows = max(1, -(-len(document) // WINDOW))
        assert len(read[index]) == windows * WINDOW, "every document read exactly once"
        assert read[index][: len(document)] == list(document)
        assert set(read[index][len(document) :]) <= {PAD_ID}, "right padding only"


def test_a_slot_reads_its_document_to_the_end_before_the_next_starts():
    documents, labels = generated_documents()
    steps = steps_of(documents, labels)
    for slot in range(SLOTS):
        sequence = [step.documents[slot] for step in steps]
        ends = [step.last_window[slot] for step in steps]
        for before, after, ended in zip(sequence, sequence[1:], ends, strict=False):
            assert before == after or ended, "a document was cut off mid-way"
    first_windows = [step.documents[step.reset & step.active] for step in steps]
    assert sorted(np.concatenate(first_windows)) == list(range(len(documents)))


def test_the_last_partial_steps_leave_finished_slots_idle():
    documents, labels = [[1] * 8, [2] * 4, [3] * 4, [4] * 4], [0, 1, 0, 1]
    steps = steps_of(documents, labels, window=4, slots=3)
    assert [list(step.documents) for step in steps] == [[0, 1, 2], [0, 3, -1]]
    assert list(steps[-1].active) == [True, True, False]
    assert list(steps[-1].reset) == [False, True, True]
    assert estimated_steps_per_epoch(documents, window=4, batch_slots=3) == 2


def test_the_order_is_seeded_and_new_every_epoch():
    first = document_order(20, shuffle=True, seed=3, epoch=0)
    assert list(first) == list(document_order(20, shuffle=True, seed=3, epoch=0))
    assert list(first) != list(document_order(20, shuffle=True, seed=3, epoch=1))
    assert sorted(first) == list(range(20))
    assert list(document_order(5, shuffle=False, seed=3, epoch=7)) == [0, 1, 2, 3, 4]


def test_the_dataset_yields_the_steps_and_reshuffles_per_iteration():
    documents, labels = generated_documents()
    dataset = document_windows_dataset(
        documents, labels, window=WINDOW, batch_slots=SLOTS, shuffle=True, seed=5
    )
    epochs = [[batch for batch in dataset.as_numpy_iterator()] for _ in range(2)]
    order = document_order(len(documents), shuffle=True, seed=5, epoch=0)
    expected = steps_of(documents, labels, order)
    assert len(epochs[0]) == len(expected)
    for (features, batch_labels), step in zip(epochs[0], expected, strict=True):
        assert features["ids"].shape == (SLOTS, WINDOW) and features["ids"].dtype == np.int32
        for name, value in step.features().items():
            np.testing.assert_array_equal(features[name], value)
        np.testing.assert_array_equal(batch_labels, step.labels)
    assert not all(
        np.array_equal(a[0]["ids"], b[0]["ids"]) for a, b in zip(*epochs, strict=False)
    ), "the second epoch read the documents in the same order"
    again = document_windows_dataset(
        documents, labels, window=WINDOW, batch_slots=SLOTS, shuffle=True, seed=5
    )
    for (features, _), step in zip(again.as_numpy_iterator(), expected, strict=True):
        np.testing.assert_array_equal(features["ids"], step.ids)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"window": 0}, "`window` to be an integer >= 1. Received: 0"),
        ({"window": -3}, "`window` to be an integer >= 1. Received: -3"),
        ({"window": 2.5}, "`window` to be an integer >= 1. Received: 2.5"),
        ({"batch_slots": 0}, "`batch_slots` to be an integer >= 1. Received: 0"),
        ({"batch_slots": True}, "`batch_slots` to be an integer >= 1. Received: True"),
        ({"labels": [0]}, "one label per document. Received: 2 document(s) and 1 label(s)"),
        ({"documents": [], "labels": []}, "at least one document"),
        ({"documents": [[1, -2], [3]]}, "token ids >= 0. Received: -2 in document 0"),
    ],
)
def test_bad_settings_are_refused_with_what_was_received(settings, message):
    arguments = {"documents": [[1, 2], [3]], "labels": [0, 1], "window": 2, "batch_slots": 1}
    arguments.update(settings)
    with pytest.raises(ValueError, match="Expected") as error:
        document_windows_dataset(**arguments, shuffle=False)
    assert message in str(error.value)


def test_a_resumed_run_goes_on_with_the_orders_of_the_epochs_it_has_not_had():
    documents, labels = generated_documents()
    resumed = document_windows_dataset(
        documents, labels, window=WINDOW, batch_slots=SLOTS, shuffle=True, seed=5, first_epoch=1
    )
    second_epoch = steps_of(
        documents, labels, document_order(len(documents), shuffle=True, seed=5, epoch=1)
    )
    for (features, _), step in zip(resumed.as_numpy_iterator(), second_epoch, strict=True):
        np.testing.assert_array_equal(features["ids"], step.ids)
