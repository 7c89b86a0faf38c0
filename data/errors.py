"""Errors the data layer raises. Each carries a complete Chinese message for the user."""


class DataError(Exception):
    """Base class: ``str(err)`` / ``err.message`` is a Chinese sentence safe to show a user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class RejectedFile(DataError):
    """The whole file is refused before or while parsing (not a workbook, too large, macros...)."""

    def __init__(self, message: str, code: str = "rejected"):
        super().__init__(message)
        self.code = code


class SettingsError(DataError):
    """A setting that cannot be used as written, e.g. a malformed 三会一课 local rule."""


class UndoRefused(DataError):
    """An undo that would not restore a consistent state."""


class ValidationFailed(DataError):
    """Import refused because the workbook has errors; ``issues`` lists them all."""

    def __init__(self, message: str, issues: list):
        super().__init__(message)
        self.issues = issues
