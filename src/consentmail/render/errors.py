"""The one error an author sees: what is wrong, and on which line of their file."""

from __future__ import annotations


class TemplateError(ValueError):
    """A template we cannot compile or render; str() reads ``template.html:12: what is wrong``."""

    def __init__(self, filename: str, line: int | None, message: str) -> None:
        self.filename = filename
        self.line = line
        self.message = message
        where = f"{filename}:{line}" if line is not None else filename
        super().__init__(f"{where}: {message}")
