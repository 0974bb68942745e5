"""Reading labelled text from files and folders, with errors that name the file and line."""

from shared.data.errors import DataError
from shared.data.examples import LabelledTexts, RejectedRow

__all__ = ["DataError", "LabelledTexts", "RejectedRow"]
