"""The one exception type for bad input data."""


class DataError(ValueError):
    """Input data that cannot be used as it is.

    The message always says which file (and line, where there is one) is at fault,
    what was expected, and what was received, so a user can fix the data.
    """
