"""MDF's pages, a module per page group: `portal` (the partner's funds, requests and claims),
`console` (approvals, a request's decisions, payments), `funds` (ledger, budgets, settings),
`sales` (partner MDF activity), and `common` (rows, contexts, refusals, proof downloads)."""
