"""The one domain error of the package."""


class LinearityError(ValueError):
    """Bad input or an unusable resource; the message says what was wrong and what to do."""
