"""Formal documents' numbers (发文字号, 〔2026〕3号): given once per kind and period, counted per
kind within the year the document is dated, and never changed, so a document fetched again
carries the number and date it was first given."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from storage.db import Tx

#: The kind of a month's formal 通报 (its period: '2026-11').
BULLETIN = "bulletin"


@dataclass(frozen=True, slots=True)
class DocumentNumber:
    """A document's number in its year, and the day it is dated."""

    kind: str
    period: str
    year: int
    number: int
    issued_on: date


async def find(tx: Tx, kind: str, period: str) -> DocumentNumber | None:
    """The number a kind's document of a period was given, if any."""
    row = await tx.fetchone(
        "SELECT year, number, issued_on FROM document_numbers WHERE kind = ? AND period = ?",
        (kind, period),
    )
    if row is None:
        return None
    return DocumentNumber(
        kind,
        period,
        int(row["year"]),
        int(row["number"]),
        date.fromisoformat(str(row["issued_on"])),
    )


async def number_for(tx: Tx, kind: str, period: str, issued_on: date) -> DocumentNumber:
    """The period's document number: the one it was given, else the next of `issued_on`'s year
    for that kind, dated `issued_on` and kept (with its audit row)."""
    found = await find(tx, kind, period)
    if found is not None:
        return found
    row = await tx.fetchone(
        "SELECT coalesce(max(number), 0) + 1 FROM document_numbers WHERE kind = ? AND year = ?",
        (kind, issued_on.year),
    )
    number = int(row[0]) if row else 1
    row_id = await tx.execute(
        "INSERT INTO document_numbers (kind, period, year, number, issued_on, recorded_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (kind, period, issued_on.year, number, issued_on.isoformat(), tx.stamp),
    )
    await tx.audit(
        None,
        "document.numbered",
        "document",
        row_id,
        kind=kind,
        period=period,
        year=issued_on.year,
        number=number,
        issued_on=issued_on.isoformat(),
    )
    return DocumentNumber(kind, period, issued_on.year, number, issued_on)
