"""`python -m services.console serve|migrate|check`."""

from pathlib import Path

from services.console.app import NAME, create_app
from services.console.settings import ENV_PREFIX, ConsoleSettings
from shared.runner import run_service


def main(argv: list[str] | None = None) -> None:
    run_service(
        name=NAME,
        env_prefix=ENV_PREFIX,
        settings_class=ConsoleSettings,
        create_app=create_app,
        package_dir=Path(__file__).parent,
        argv=argv,
    )


if __name__ == "__main__":
    main()
