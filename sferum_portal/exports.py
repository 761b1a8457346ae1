"""Exports opened in spreadsheets: a cell must never run as a formula."""

import csv

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Text that a spreadsheet would take for a formula (=, +, -, @) is kept as text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return f"'{value}"
    return value


class SafeCsvWriter:
    """A semicolon CSV for Excel whose cells are never run as formulas."""

    def __init__(self, stream):
        self._writer = csv.writer(stream, delimiter=";")

    def writerow(self, row) -> None:
        self._writer.writerow([safe_cell(v) for v in row])

    def writerows(self, rows) -> None:
        for row in rows:
            self.writerow(row)
