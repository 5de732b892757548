"""Recording audit events: ``record(actor, action, client_id, **detail)``.

The log is append-only (see ``crisisplan.models.AuditEvent``). ``detail`` must hold only
non-sensitive facts -- field names, counts, key ids -- never a client's data; values are
restricted to JSON scalars and lists of them so that a whole record cannot slip in.
"""

from __future__ import annotations

import uuid
from typing import Any

from crisisplan.models import AuditEvent

Action = AuditEvent.Action
_SCALARS = (str, int, float, bool, type(None))


def record(
    actor: Any, action: str, client_id: uuid.UUID | None = None, **detail: Any
) -> AuditEvent:
    """Append one event. ``actor`` is a user, or None (a command, the system)."""
    if action not in Action.values:
        raise ValueError(f"Unknown audit action {action!r}: add it to AuditEvent.Action.")
    for name, value in detail.items():
        items = value if isinstance(value, list | tuple) else [value]
        if not all(isinstance(item, _SCALARS) for item in items):
            raise TypeError(f"Audit detail {name!r} must be a scalar or a list of scalars.")
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEvent.objects.create(
        actor=actor,
        client_id=client_id,
        action=action,
        detail={k: list(v) if isinstance(v, tuple) else v for k, v in detail.items()},
    )
