"""Units repository: the reporting units, kept in step with config.yaml."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from scoring.vocab import UnitKind
from storage.db import Tx
from storage.models import Unit

#: The from_month of settings that have always been in force (the ledger's first units).
EVER = "0000-01"


@dataclass(frozen=True, slots=True)
class UnitSpec:
    """A unit as configured: what `sync_units` makes the ledger agree with."""

    name: str
    kind: UnitKind
    monthly_quota: int
    annual_target: Decimal
    key: str | None = None  # stable key: a rename under the same key keeps the unit's history

    @property
    def stable_key(self) -> str:
        """The key the unit is matched by: the configured key, else its name."""
        return self.key or self.name


@dataclass(slots=True)
class UnitSyncReport:
    """What a sync changed, by unit name."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)
    reactivated: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """Whether the sync changed anything at all."""
        return bool(self.added or self.updated or self.deactivated or self.reactivated)


def decimal_text(value: Decimal) -> str:
    """A decimal as stored: plain digits, no exponent, no trailing zeros (100, 12.5)."""
    return format(value.normalize(), "f")


async def list_units(tx: Tx, *, include_inactive: bool = False) -> list[Unit]:
    """Units by name; inactive ones (removed from config) only when asked."""
    where = "" if include_inactive else "WHERE active = 1"
    rows = await tx.fetchall(f"SELECT * FROM units {where} ORDER BY position, name")
    return [Unit.from_row(row) for row in rows]


async def get_unit(tx: Tx, unit_id: int) -> Unit | None:
    """One unit by id."""
    row = await tx.fetchone("SELECT * FROM units WHERE id = ?", (unit_id,))
    return Unit.from_row(row) if row else None


async def unit_by_name(tx: Tx, name: str) -> Unit | None:
    """One unit by its exact name."""
    row = await tx.fetchone("SELECT * FROM units WHERE name = ?", (name,))
    return Unit.from_row(row) if row else None


async def sync_units(
    tx: Tx, specs: list[UnitSpec], actor_id: int | None = None, *, from_month: str | None = None
) -> UnitSyncReport:
    """Adds, updates and deactivates units so the ledger matches config; never deletes history.

    Units are matched by their stable key, so a renamed unit keeps its history. What changed
    is written to the settings history from `from_month` ('YYYY-MM', default this month):
    periods before it keep the settings they had.
    """
    report = UnitSyncReport()
    existing = {unit.key: unit for unit in await list_units(tx, include_inactive=True)}
    # The first units a ledger gets are the centre as it has always been; later additions and
    # changes take effect from this month.
    month = (from_month or tx.stamp[:7]) if existing else EVER
    wanted = {spec.stable_key for spec in specs}
    for position, spec in enumerate(specs):
        unit = existing.get(spec.stable_key)
        target = decimal_text(spec.annual_target)
        if unit is None:
            unit_id = await tx.execute(
                "INSERT INTO units (key, name, kind, monthly_quota, annual_target, active, position,"
                " created_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?)",
                (
                    spec.stable_key,
                    spec.name,
                    spec.kind.value,
                    spec.monthly_quota,
                    target,
                    position,
                    tx.stamp,
                ),
            )
            await _record_terms(tx, unit_id, month)
            await tx.audit(
                actor_id,
                "unit.add",
                "unit",
                unit_id,
                key=spec.stable_key,
                name=spec.name,
                kind=spec.kind.value,
                monthly_quota=spec.monthly_quota,
                annual_target=target,
                from_month=month,
            )
            report.added.append(spec.name)
            continue
        before = {
            "name": unit.name,
            "kind": unit.kind.value,
            "monthly_quota": unit.monthly_quota,
            "annual_target": decimal_text(unit.annual_target),
        }
        after = {
            "name": spec.name,
            "kind": spec.kind.value,
            "monthly_quota": spec.monthly_quota,
            "annual_target": target,
        }
        changed = before != after or not unit.active
        if before != after:
            await tx.execute(
                "UPDATE units SET name = ?, kind = ?, monthly_quota = ?, annual_target = ?"
                " WHERE id = ?",
                (spec.name, spec.kind.value, spec.monthly_quota, target, unit.id),
            )
            await tx.audit(
                actor_id,
                "unit.update",
                "unit",
                unit.id,
                before=before,
                after=after,
                from_month=month,
            )
            report.updated.append(spec.name)
        if not unit.active:
            await tx.execute("UPDATE units SET active = 1 WHERE id = ?", (unit.id,))
            await tx.audit(actor_id, "unit.reactivate", "unit", unit.id, name=spec.name)
            report.reactivated.append(spec.name)
        if unit.position != position:
            await tx.execute("UPDATE units SET position = ? WHERE id = ?", (position, unit.id))
        if changed:
            await _record_terms(tx, unit.id, month)
    for key, unit in existing.items():
        if key not in wanted and unit.active:
            await tx.execute("UPDATE units SET active = 0 WHERE id = ?", (unit.id,))
            await _record_terms(tx, unit.id, month)
            await tx.audit(
                actor_id, "unit.deactivate", "unit", unit.id, name=unit.name, from_month=month
            )
            report.deactivated.append(unit.name)
    return report


async def _record_terms(tx: Tx, unit_id: int, month: str) -> None:
    """Writes the unit's current settings into its history from `month` on."""
    await tx.execute(
        "INSERT INTO unit_terms (unit_id, from_month, name, kind, monthly_quota, annual_target,"
        " active, position, recorded_at)"
        " SELECT id, ?, name, kind, monthly_quota, annual_target, active, position, ?"
        " FROM units WHERE id = ?"
        " ON CONFLICT (unit_id, from_month) DO UPDATE SET name = excluded.name,"
        " kind = excluded.kind, monthly_quota = excluded.monthly_quota,"
        " annual_target = excluded.annual_target, active = excluded.active,"
        " position = excluded.position, recorded_at = excluded.recorded_at",
        (month, tx.stamp, unit_id),
    )
