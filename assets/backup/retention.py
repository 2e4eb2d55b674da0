"""Which backups to keep: the newest of each of the last `keep_daily` days and of the last `keep_weekly` ISO
weeks that have backups (grandfather-father-son). The newest backup is always kept."""

from __future__ import annotations

from datetime import UTC, datetime

from assets.backup.store import PREFIX

NAME_FORMAT = "%Y%m%dT%H%M%S%fZ"


def backup_time(name: str) -> datetime:
    """The UTC time a backup was taken, from its name `backup-YYYYmmddTHHMMSSffffffZ`."""
    return datetime.strptime(name.removeprefix(PREFIX), NAME_FORMAT).replace(tzinfo=UTC)


def plan_retention(names: list[str], keep_daily: int, keep_weekly: int) -> tuple[list[str], list[str]]:
    """(kept, dropped) among backup `names`, both oldest first."""
    newest_first = sorted(names, key=backup_time, reverse=True)
    keep: set[str] = set(newest_first[:1])
    for period, limit in ((lambda t: t.date(), keep_daily), (lambda t: t.isocalendar()[:2], keep_weekly)):
        seen: list[object] = []
        for name in newest_first:
            slot = period(backup_time(name))
            if slot not in seen:
                seen.append(slot)
                if len(seen) > limit:
                    break
                keep.add(name)
    kept = [n for n in sorted(names, key=backup_time) if n in keep]
    return kept, [n for n in sorted(names, key=backup_time) if n not in keep]
