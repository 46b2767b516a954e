"""`python -m simulator`: serve the simulated platforms on ESEVA_SIMULATOR_PORT."""

from __future__ import annotations

import logging

from aiohttp import web

from simulator.app import create_app
from simulator.config import SimulatorConfig


def main() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s"
    )
    config = SimulatorConfig.from_env()
    logging.getLogger(__name__).info(
        "simulator on http://%s:%d/ delivering to %s",
        config.host,
        config.port,
        config.rasa_url,
    )
    web.run_app(create_app(config), host=config.host, port=config.port, print=None)


if __name__ == "__main__":
    main()
