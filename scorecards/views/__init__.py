"""The scorecards' pages, one module per page group (scorecards/pages.py registers them):
`dashboard` (the console's), `scope` (one scope's scorecard, in every door), `drilldown` (the
rows behind a number), `exports` (every table as CSV), `definitions` (how the figures are
counted) and `settings` (the console's); `common` holds what they share."""
