"""Every CSV the platform writes goes through this writer: no cell can run as a spreadsheet
formula (CSV injection, OWASP's rule), and the assets import undoes exactly what it did.

A text cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is what Excel,
LibreOffice and Google Sheets read as a formula (`=HYPERLINK(…)`, `+cmd|' /C calc'!A0`,
`@SUM(…)`; a leading tab or CR is dropped by some of them, and by `str.strip`, leaving the
formula). Such a cell is written with a `'` in front, which spreadsheets show as text.

Two exceptions keep the files useful and the rule reversible:
- a plain number (`-0.1052`, `-3e-5`) is written as it is: it is a value, not a formula, and
  every longitude west of Greenwich would otherwise turn into text;
- a cell that already begins with `'` followed by one of those characters (or by another `'`)
  gets one more `'`, so that `cell_restore` (one `'` removed before such a character) gives back
  exactly the original text. Any other text is written untouched.

(defusedcsv was considered: its rule is not reversible, it rewrites `|` inside cells, and it
leaves tab and carriage return alone.)
"""

import csv
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

FORMULA_START = frozenset("=+-@\t\r")
QUOTE = "'"
PLAIN_NUMBER = re.compile(r"-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


def cell_neutralise(value: Any) -> Any:
    """The value as it is safe to write in a CSV cell (see the module's docstring)."""
    if value is None or isinstance(value, int | float):
        return value  # a number (or bool) is never a formula; csv writes None as ""
    text = str(value)
    if not text:
        return text
    first = text[0]
    if first in FORMULA_START:
        return text if PLAIN_NUMBER.fullmatch(text) else QUOTE + text
    if first == QUOTE and text[1:2] and (text[1] in FORMULA_START or text[1] == QUOTE):
        return QUOTE + text
    return text


def cell_restore(text: str) -> str:
    """The original text of a cell written by `cell_neutralise` (its exact inverse on text); other
    text is returned untouched."""
    if text[:1] == QUOTE and text[1:2] and (text[1] in FORMULA_START or text[1] == QUOTE):
        return text[1:]
    return text


class _Echo:
    """A file whose write returns the line, for streaming responses."""

    def write(self, value: str) -> str:
        return value


class SafeWriter:
    """csv.writer whose cells pass through `cell_neutralise`. Without a file, `writerow` returns
    the line (for a StreamingHttpResponse)."""

    def __init__(self, out=None, **options):
        self._writer = csv.writer(out if out is not None else _Echo(), **options)

    def writerow(self, row: Iterable[Any]):
        return self._writer.writerow([cell_neutralise(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_lines(header: Sequence[str], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """The lines of a CSV file (header first), each cell neutralised: for streaming answers."""
    writer = SafeWriter()
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow(row)
