"""`python -m services.gateway serve|migrate|check`."""

from pathlib import Path

from services.gateway.app import NAME, create_app
from services.gateway.settings import ENV_PREFIX, GatewaySettings
from shared.runner import run_service


def main(argv: list[str] | None = None) -> None:
    run_service(
        name=NAME,
        env_prefix=ENV_PREFIX,
        settings_class=GatewaySettings,
        create_app=create_app,
        package_dir=Path(__file__).parent,
        argv=argv,
    )


if __name__ == "__main__":
    main()
