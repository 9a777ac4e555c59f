"""``run.py dashboard``: serve the page with ``solara run sim/dashboard/app.py`` until Ctrl-C or
SIGTERM; the URL is the last line of stdout, solara's log goes to stderr (docs/cli.md)."""

from __future__ import annotations

from pathlib import Path

from ..errors import UserError

ROOT = Path(__file__).resolve().parents[2]
APP = Path(__file__).resolve().parent / "app.py"
DEFAULT_PORT = 8765  # solara's own default


def missing_packages() -> list[str]:
    """The dashboard extra's packages that cannot be imported here (empty: all there)."""
    import importlib.util
    out = [name for name in ("solara", "ipyvuetify", "ipyvue", "altair", "networkx")
           if importlib.util.find_spec(name) is None]
    if not out:
        import ipyvuetify
        if int(ipyvuetify.__version__.split(".")[0]) >= 2:
            out.append(f"ipyvuetify<2 (found {ipyvuetify.__version__}; Mesa 3.3.1's SolaraViz "
                       "needs 1.x)")
    return out


def serve(host: str, port: int) -> int:
    """Serve the dashboard with ``solara run`` on ``host:port`` until Ctrl-C or SIGTERM. The URL is
    printed on stdout (its last line); solara's log goes to stderr. Returns solara's exit code."""
    import signal
    import socket
    import subprocess
    import sys

    if not 1 <= port <= 65535:
        raise UserError("dashboard", "--port", port, "a port number from 1 to 65535")
    missing = missing_packages()
    if missing:
        raise UserError("dashboard", message=(
            f"dashboard: missing {', '.join(missing)}; install the extra: "
            "pip install -e '.[dashboard]' (make dashboard and make test do)"))
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
            s.bind((host, port))
    except OSError as exc:
        raise UserError("dashboard", "--host/--port", f"{host}:{port}",
                        f"a free port on an address of this machine ({exc.strerror})") from None
    cmd = [sys.executable, "-m", "solara", "run", str(APP), "--host", host,
           "--port", str(port), "--no-open"]
    shown = f"[{host}]" if ":" in host else host
    print("dashboard: starting solara (Ctrl-C stops it); open the URL below", file=sys.stderr)
    print(f"http://{shown}:{port}/", flush=True)
    proc = subprocess.Popen(cmd, stdout=sys.stderr, cwd=str(ROOT))

    def _stop(signum, frame):  # a kill of this process stops the server too
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        raise
