"""Every model of the ``crisisplan`` app label, so that Django finds them.

The models live with the layer that owns them (README, "Architecture"); this module only
re-exports them. Code imports from the owning module, never from here.
"""

from crisisplan.core.models import AuditEvent, DataKey, User
from crisisplan.links.models import LinkOpen, PrivateLink, RateCounter
from crisisplan.plans.models import Plan, PlanVersion

__all__ = [
    "AuditEvent",
    "DataKey",
    "LinkOpen",
    "Plan",
    "PlanVersion",
    "PrivateLink",
    "RateCounter",
    "User",
]
