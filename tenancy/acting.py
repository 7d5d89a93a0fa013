"""The type of `acting=`: a person's membership or the system (core.acting.SystemActor)."""

from core.acting import SystemActor
from tenancy.models import Membership

__all__ = ["Acting"]
Acting = Membership | SystemActor
