"""CSV formula injection: what a spreadsheet would run is written so that it shows as text.

A cell beginning with = + - @, a tab or a carriage return is read by Excel, LibreOffice and
Google Sheets as a formula (`=HYPERLINK("http://evil","x")` in a first name). The usual remedy
(OWASP "CSV Injection") is a single quote before it: spreadsheets show the text, quote hidden.

The import undoes exactly what the export did, so a round trip is lossless: a cell is escaped
when it begins with a trigger character or with a quote that is itself followed by an escaped
form (so a genuine "'=x" becomes "''=x"), and the import removes one quote only from a cell that
the export would have escaped without it. Any other quote, like O'Brien's, is left alone.
"""

from __future__ import annotations

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def _needs_quote(cell: str) -> bool:
    while cell[:1] == "'":  # "'=x" must become "''=x" so that the import gives "'=x" back
        cell = cell[1:]
    return cell.startswith(TRIGGERS)


def neutralise(cell: str) -> str:
    """`cell` as it is safe to write in a CSV export."""
    return "'" + cell if _needs_quote(cell) else cell


def restore(cell: str) -> str:
    """The inverse of `neutralise`, for a cell read from a file."""
    return cell[1:] if cell[:1] == "'" and _needs_quote(cell[1:]) else cell
