"""The guardrails' services: every change to the rulebook and what it decides goes through here,
one module per concern. Import from the module (`from guardrails.services.publish import
publish`); this package re-exports nothing.

- `versions`: the rulebook, its versions, drafts (create, copy, rename, delete, lock).
- `rules`: a draft's route rules (validate, save, move, delete, replace all).
- `pricing`: a draft's pricing corridors, the discount check against them, and recorded leakage.
- `registration`: a draft's deal-registration criteria and the check of a registration.
- `lint`: what would go wrong with a version (errors refuse publishing).
- `publish`: publishing a draft and putting scheduled versions in force.
- `decisions`: the stored route decision per account, recomputed on activation and by the sweep.
- `simulation`: what a version would change against the active one.
- `exception_requests`: asking for, reviewing and escalating exceptions to the rules.
- `territories`: territories, their areas and partner authorizations.
- `errors`: the refusals they raise (`VersionLocked`, `PublishRefused`), which the console and
  the API translate (`guardrails.api.errors`).
"""
