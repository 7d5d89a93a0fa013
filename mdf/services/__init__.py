"""MDF's services, one module per concern: the ledger (every movement of money), budgets and
allocations with accruals, fund requests, claims with proof, the SLA clocks, the quarter-end
timer, the periodic sweep, ROI and reallocation."""
