"""The channel-balance maturity assessment: a questionnaire (`questions`), scores from live data
(`data`), the services that save an assessment and keep its scores (`services`) and the demo's
four quarters (`demo`). docs/maturity.md states every formula and threshold."""
