"""The web console: agents' desk and supervisors' floor, a client of the services' public APIs."""
