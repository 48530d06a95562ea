"""`python -m ingest_social serve|migrate|check`."""

from pathlib import Path

from ingest_social.app import NAME, create_app
from ingest_social.settings import ENV_PREFIX, IngestSocialSettings
from shared.runner import run_service


def main(argv: list[str] | None = None) -> None:
    run_service(
        name=NAME,
        env_prefix=ENV_PREFIX,
        settings_class=IngestSocialSettings,
        create_app=create_app,
        package_dir=Path(__file__).parent,
        argv=argv,
    )


if __name__ == "__main__":
    main()
