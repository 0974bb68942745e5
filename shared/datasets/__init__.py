"""Reading labelled text from files and folders, with errors that name the file and line."""

from shared.datasets.errors import DataError
from shared.datasets.examples import LabelledTexts, RejectedRow

__all__ = ["DataError", "LabelledTexts", "RejectedRow"]
