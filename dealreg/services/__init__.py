"""Deal registration's services, one module per concern; import from the module.

- `state`: the state machine's check (`TransitionRefused`), the timeline, the tenant's settings.
- `matching`: the end customer as typed, matched to an account with the lead ops' matcher.
- `pricing`: requested discounts against the pricing corridors (as the registrant types).
- `conflicts`: the conflict engine and its written tie-breaks.
- `clocks`: SLA clocks on both sides, in business hours.
- `registrations`: every transition (submit … win/lose, extensions).
- `adjudication`: a person's decision on conflicting claims, kept as precedent.
- `sweep`: the periodic sweep (due clocks, reminders, expiry, opportunities closed in the CRM).
"""
