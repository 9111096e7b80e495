"""Units repository: the reporting units, kept in step with config.yaml."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from scoring.vocab import UnitKind
from storage.db import Tx
from storage.models import Unit


@dataclass(frozen=True, slots=True)
class UnitSpec:
    """A unit as configured: what `sync_units` makes the ledger agree with."""

    name: str
    kind: UnitKind
    monthly_quota: int
    annual_target: Decimal


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
    rows = await tx.fetchall(f"SELECT * FROM units {where} ORDER BY name")
    return [Unit.from_row(row) for row in rows]


async def get_unit(tx: Tx, unit_id: int) -> Unit | None:
    """One unit by id."""
    row = await tx.fetchone("SELECT * FROM units WHERE id = ?", (unit_id,))
    return Unit.from_row(row) if row else None


async def unit_by_name(tx: Tx, name: str) -> Unit | None:
    """One unit by its exact name."""
    row = await tx.fetchone("SELECT * FROM units WHERE name = ?", (name,))
    return Unit.from_row(row) if row else None


async def sync_units(tx: Tx, specs: list[UnitSpec], actor_id: int | None = None) -> UnitSyncReport:
    """Adds, updates and deactivates units so the ledger matches config; never deletes history."""
    report = UnitSyncReport()
    existing = {unit.name: unit for unit in await list_units(tx, include_inactive=True)}
    wanted = {spec.name for spec in specs}
    for spec in specs:
        unit = existing.get(spec.name)
        target = decimal_text(spec.annual_target)
        if unit is None:
            unit_id = await tx.execute(
                "INSERT INTO units (name, kind, monthly_quota, annual_target, active, created_at)"
                " VALUES (?, ?, ?, ?, 1, ?)",
                (spec.name, spec.kind.value, spec.monthly_quota, target, tx.stamp),
            )
            await tx.audit(
                actor_id,
                "unit.add",
                "unit",
                unit_id,
                name=spec.name,
                kind=spec.kind.value,
                monthly_quota=spec.monthly_quota,
                annual_target=target,
            )
            report.added.append(spec.name)
            continue
        before = {
            "kind": unit.kind.value,
            "monthly_quota": unit.monthly_quota,
            "annual_target": decimal_text(unit.annual_target),
        }
        after = {
            "kind": spec.kind.value,
            "monthly_quota": spec.monthly_quota,
            "annual_target": target,
        }
        if before != after:
            await tx.execute(
                "UPDATE units SET kind = ?, monthly_quota = ?, annual_target = ? WHERE id = ?",
                (spec.kind.value, spec.monthly_quota, target, unit.id),
            )
            await tx.audit(actor_id, "unit.update", "unit", unit.id, before=before, after=after)
            report.updated.append(spec.name)
        if not unit.active:
            await tx.execute("UPDATE units SET active = 1 WHERE id = ?", (unit.id,))
            await tx.audit(actor_id, "unit.reactivate", "unit", unit.id, name=unit.name)
            report.reactivated.append(spec.name)
    for name, unit in existing.items():
        if name not in wanted and unit.active:
            await tx.execute("UPDATE units SET active = 0 WHERE id = ?", (unit.id,))
            await tx.audit(actor_id, "unit.deactivate", "unit", unit.id, name=name)
            report.deactivated.append(name)
    return report
