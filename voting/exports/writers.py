"""Small writers turning ``(headers, rows)`` tables into CSV, XLSX and JSON.

Cells that a spreadsheet would read as a formula (text starting with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return) get a leading apostrophe, as
OWASP's "CSV injection" advice says: option titles and names come from users.
Numbers are written as numbers and never altered.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

Table = tuple[list[str], Iterable[list[Any]]]

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 64 * 1024


def neutralise(value: Any) -> Any:
    """Make a text cell inert in spreadsheet programs; leave other values alone."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return neutralise(value)


def csv_chunks(table: Table) -> Iterator[bytes]:
    """RFC 4180 CSV (CRLF, UTF-8 with BOM) of one table: a header row, then rows
    (one table per file, so that ``csv.DictReader`` reads every row).

    Rows are encoded in chunks of about 64 KiB as they come, so a large table
    given as a generator streams in constant memory.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    headers, rows = table
    writer.writerow([_cell(h) for h in headers])
    for row in rows:
        writer.writerow([_cell(v) for v in row])
        if buffer.tell() > CHUNK:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return neutralise(value)


def xlsx_chunks(sheets: dict[str, Table]) -> Iterator[bytes]:
    """An XLSX workbook written with openpyxl's write-only mode, then streamed.

    Write-only mode keeps memory flat for large sheets; the zipped workbook
    goes through a temporary file that is read back in chunks.
    """
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for title, (headers, rows) in sheets.items():
        sheet = workbook.create_sheet(title=title[:31])
        header_cells = []
        for h in headers:
            cell = WriteOnlyCell(sheet, value=_xlsx_value(h))
            cell.font = bold
            header_cells.append(cell)
        sheet.append(header_cells)
        for row in rows:
            # Neutralised text never starts with "=", so openpyxl stores it as
            # a string, not a formula; plain values keep write-only mode fast.
            sheet.append([_xlsx_value(v) for v in row])
    with tempfile.TemporaryFile() as handle:
        workbook.save(handle)
        handle.seek(0)
        while chunk := handle.read(CHUNK):
            yield chunk


def json_bytes(document: Any) -> bytes:
    """Pretty-printed UTF-8 JSON."""
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"


def text_chunks(text: str) -> Iterator[bytes]:
    """A text file, UTF-8, in chunks."""
    data = text.encode("utf-8")
    for start in range(0, len(data), CHUNK):
        yield data[start : start + CHUNK]
