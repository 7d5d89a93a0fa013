"""What a partner user may read of the rulebook's words.

Rule names, rationales, condition texts and explanations are written by the manufacturer and may
name other distributors, direct teams or internal target lists. Before anything of that kind
goes to a partner user, every name of another partner, of a team and of a target list is
replaced by a neutral phrase, so a distributor never learns who else the rules speak of. The API
and the pages (rules of engagement, an account's route, a lead's routing story) use the same one.
"""

from __future__ import annotations

import re
from typing import Any

from accounts.models import TargetList
from tenancy.models import Membership, Partner, Team

__all__ = ["Redactor", "redactor_for"]


class Redactor:
    """Replaces the names in `names` (longest first, whole words) by their placeholders."""

    def __init__(self, names: dict[str, str]) -> None:
        usable = sorted((n for n in names if n and n.strip()), key=len, reverse=True)
        self.names = {n.casefold(): names[n] for n in usable}
        self.pattern = (
            re.compile(
                "|".join(rf"(?<!\w){re.escape(n)}(?!\w)" for n in usable), flags=re.IGNORECASE
            )
            if usable
            else None
        )

    def text(self, value: str) -> str:
        if self.pattern is None or not value:
            return value
        return self.pattern.sub(lambda m: self.names[m.group(0).casefold()], value)

    def __call__(self, value: Any) -> Any:
        """Redact every string inside `value` (dicts, lists and plain strings)."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {k: self(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self(v) for v in value]
        return value


NOTHING = Redactor({})


def redactor_for(membership: Membership) -> Redactor:
    """The redactor for what `membership` reads: none for the manufacturer's people; for a partner
    user, every other partner, every direct team and every target list of the tenant."""
    if membership is None or not membership.is_partner_user:
        return NOTHING
    names: dict[str, str] = {}
    for name in TargetList.objects.values_list("name", flat=True):
        names[name] = "a target list"
    for name in Team.objects.values_list("name", flat=True):
        names[name] = "a direct team"
    for pk, name in Partner.objects.values_list("pk", "name"):
        # Their own name stays, also where another partner's name is part of it.
        names[name] = name if pk == membership.partner_id else "another partner"
    return Redactor(names)
