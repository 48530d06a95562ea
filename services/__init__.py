"""The composition root: the launcher that runs the whole platform locally, and the integrator gateway."""
