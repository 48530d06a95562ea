"""`python -m services run`: embedded broker, migrations, one supervised process per service, health checks."""
