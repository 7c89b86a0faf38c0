"""Errors the data layer raises. Each carries a complete Chinese message for the user.

The tree (every one is a ``DataError``; ``cli.main`` and the pages show ``err.message`` and store
nothing; anything else that escapes is a bug)::

    DataError           a refusal the user can act on; the users file malformed, a password too short…
     ├── RejectedFile   a whole file refused before or while parsing (not a workbook, too large, macros…)
     │    └── SandboxFailed  (data.sandbox) a parse or fill in the child process broke a limit or crashed
     ├── UndoRefused    an undo that would not restore a consistent state
     ├── ImportChanged  a confirmed import would now remove other stored rows than its preview showed
     ├── AliasRefused   a mapping of the branch's own words that cannot work (already known, no such value…)
     ├── SettingsError  settings.toml malformed (e.g. a local 三会一课 rule)
     ├── BackupRefused  a backup that cannot be taken, or a backup file restore refuses
     ├── StaleEdit      a save based on data another user changed meanwhile (计划目标)
     └── WriteFailed    an output the user named cannot be written (no such folder, no permission…)

An import with errors in its rows is not an exception: ``data.importer`` returns every issue in
its outcome, so a page or the CLI can show them all at once.
"""

from __future__ import annotations

import os


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


class BackupRefused(DataError):
    """A backup that cannot be taken, or a backup file that restore refuses (over a limit, damaged,
    a row no import accepts); nothing was written."""


class StaleEdit(DataError):
    """A save based on data that another user changed meanwhile (the 计划目标 editor): nothing was
    stored; the caller shows what changed and keeps the user's edits."""


class UndoRefused(DataError):
    """An undo that would not restore a consistent state."""


class SettingsError(DataError):
    """The settings (settings.toml, DJ_* variables) hold a value that cannot be used, e.g. a
    malformed 三会一课 local rule."""


class ImportChanged(DataError):
    """A confirmed import would now remove other stored rows than its preview showed; nothing written."""


class AliasRefused(DataError):
    """An alias of the branch's own words that cannot be added or removed; the message says why."""


class WriteFailed(DataError):
    """An output path the user named cannot be written; nothing was written there."""

    @classmethod
    def from_os_error(cls, path: os.PathLike | str, err: OSError) -> WriteFailed:
        from data import texts

        kinds = ((FileNotFoundError, texts.WRITE_FAILED_NO_FOLDER), (NotADirectoryError, texts.WRITE_FAILED_NO_FOLDER),
                 (PermissionError, texts.WRITE_FAILED_PERMISSION), (IsADirectoryError, texts.WRITE_FAILED_IS_FOLDER))
        reason = next((text for kind, text in kinds if isinstance(err, kind)),
                      texts.WRITE_FAILED_OTHER.format(error=err.strerror or type(err).__name__))
        return cls(texts.WRITE_FAILED.format(path=path, reason=reason))
