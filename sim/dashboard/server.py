"""``distill-sim-dashboard``: serve the dashboard page on this machine.

Starts Solara's Starlette app under uvicorn, as ``solara run`` does (the page module named by
``SOLARA_APP``, the host and port in ``SERVER_NAME``/``SERVER_PORT``), in production mode and
without Solara's usage telemetry. Binds 127.0.0.1 unless ``--host`` says otherwise: the page
runs simulations for whoever can reach it, so it is never on every interface by default.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path

APP = "sim.dashboard.app"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line: ``--host`` (default 127.0.0.1, this machine only) and ``--port``."""
    parser = argparse.ArgumentParser(prog="distill-sim-dashboard", description=(
        "Serve the distill-sim dashboard: run a configuration, compare two on the same seeds, "
        "open a collected sweep. Open the printed address in a browser."))
    parser.add_argument("--host", default=DEFAULT_HOST,
                        help=f"address to bind (default {DEFAULT_HOST}: this machine only; 0.0.0.0 exposes it to the network)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port to listen on (default {DEFAULT_PORT})")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    """Console entry point: serve the page until interrupted."""
    args = parse_args(argv)
    # Read by Solara when its server modules are imported, hence set before uvicorn imports them.
    os.environ["SOLARA_APP"] = APP
    os.environ["SERVER_NAME"] = args.host
    os.environ["SERVER_PORT"] = str(args.port)
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    import uvicorn
    from solara.server import settings

    settings.main.mode = "production"
    settings.assets.extra_locations = [plotly_js_dir()]  # plotly.min.js at /static/assets/, for the charts
    _warm_up()
    print(f"distill-sim dashboard: http://{args.host}:{args.port}", flush=True)
    uvicorn.run("solara.server.starlette:app", host=args.host, port=args.port, log_level="warning")


def plotly_js_dir() -> str:
    """The folder of the plotly.js that the installed Plotly package ships (``plotly.min.js``)."""
    from importlib.util import find_spec

    return str(Path(find_spec("plotly").origin).parent / "package_data")


def _warm_up() -> None:
    """Import the simulator and the charts before serving: the first run would otherwise wait
    seconds for them (Mesa, the model, Plotly)."""
    import plotly.graph_objects  # noqa: F401

    import sim.runner  # noqa: F401


if __name__ == "__main__":
    main()
