"""MDF's rows on the shared scorecard and lines on a partner's scorecard (core.metrics'
registries): imported by MdfConfig.ready()."""
