"""The customers' own pages, served without signing in: the complaint form (`/complain`), the survey (`/survey/...`)
and the case status page (`/status/...`). Their screens live in services/console/screens (complain, survey, status);
this package holds what they share: signed form tokens, the rate limits, uploads, rendering, and the console's own
credential for the services."""
