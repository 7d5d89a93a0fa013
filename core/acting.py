"""Who is acting: every service that changes data names its actor with a keyword-only `acting=`.

A person acts through their membership in the tenant (`tenancy.Membership`); a background job, an
import, a sweep or a command with nobody behind it acts as a `SystemActor` naming the job. Services
are decorated with `@action`, which refuses a definition without a keyword-only `acting`
parameter and records that actor in the audit log for everything the service writes, whatever
audit context the caller entered (the source, address and credential stay the caller's).

Why explicit: the ambient audit context names the person behind a request, but a task or an
import acts for somebody else (the importer, the system), and a service called from a service
must not guess. Passing `acting=` makes "who did this" part of every write's signature.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ParamSpec, Protocol, TypeVar, runtime_checkable

from core.audit import acting_in_audit

__all__ = ["Actor", "Member", "SystemActor", "acting_as", "action"]


@runtime_checkable
class Actor(Protocol):
    """What the audit log needs of whoever acts: the user to link (or None) and a label."""

    @property
    def audit_user(self) -> Any: ...

    @property
    def audit_label(self) -> str: ...


@runtime_checkable
class Member(Actor, Protocol):
    """What core reads of a person's membership in a tenant (`tenancy.Membership`, which core
    cannot import: tenancy sits above it). Core code that acts for a person or shows them only
    what they may see (the bulk engine, CSV import, the API base) takes this."""

    @property
    def role(self) -> str: ...

    @property
    def tenant_id(self) -> int: ...

    @property
    def is_partner_user(self) -> bool: ...


@dataclass(frozen=True)
class SystemActor:
    """The portal itself acting: a periodic sweep, a background job, an import, a command."""

    name: str

    @property
    def audit_user(self) -> None:
        return None

    @property
    def audit_label(self) -> str:
        return f"system: {self.name}"


@contextmanager
def acting_as(acting: Actor) -> Iterator[None]:
    """Record `acting` as the actor of every audit event written inside the block."""
    if not isinstance(acting, Actor):
        raise TypeError(f"acting= takes a membership or a SystemActor, not {acting!r}")
    with acting_in_audit(acting.audit_user, acting.audit_label):
        yield


P = ParamSpec("P")
R = TypeVar("R")


def action(service: Callable[P, R]) -> Callable[P, R]:
    """Mark a service that changes data: it must take a keyword-only `acting`, which becomes the
    audit actor while it runs. Checked when the module is imported, so a service cannot forget."""
    parameter = inspect.signature(service).parameters.get("acting")
    if parameter is None or parameter.kind is not inspect.Parameter.KEYWORD_ONLY:
        raise TypeError(f"{service.__qualname__} must take a keyword-only acting= parameter")

    @functools.wraps(service)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        with acting_as(kwargs["acting"]):  # type: ignore[arg-type]
            return service(*args, **kwargs)

    return run
