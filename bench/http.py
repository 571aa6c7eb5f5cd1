"""The HTTP pass: gunicorn on the production profile under load from wrk.

gunicorn runs `portal.wsgi` with two sync workers, as on a 2-core server behind a TLS
proxy; wrk (Debian's package, installed by `make bench`) holds a few connections open
against one path at a time. A static file served by WhiteNoise is the ceiling: no
request can be cheaper than that in this stack. After the load, each worker's peak
resident memory (VmHWM) is read from /proc. Then, on the same server, the deadline rush
(`bench.rush`), and the disbursement rush (`bench.fund_rush`).

Unlike the in-process pass, the server runs with the whole-page cache on, as deployed:
the key anonymous pages are loaded as visitors get them, from the cache (each one's last
warm-up answer must say `X-Cache: hit`), and must reach at least half of the static
file's requests/s.
"""

import json
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

WORKERS = 2
WRK_THREADS = 1  # one load thread leaves the two cores to the two workers
WRK_CONNECTIONS = 8
HEADERS = {"X-Forwarded-Proto": "https", "Host": "127.0.0.1"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str, language: str = "vi", timeout: float = 10) -> int:
    return _fetch(url, language, timeout)[0]


def _fetch(url: str, language: str = "vi", timeout: float = 10) -> tuple[int, str | None]:
    """(status, X-Cache header or None) of one anonymous GET."""
    request = urllib.request.Request(  # noqa: S310 - our own server on loopback
        url, headers={**HEADERS, "Accept-Language": language}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            response.read()
            return response.status, response.headers.get("X-Cache")
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("X-Cache")


def _parse_duration_ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def parse_wrk(output: str) -> dict:
    """Requests/s, p99 latency and errors from `wrk --latency` output."""
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE)
    total = re.search(r"(\d+) requests in", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if not (rate and p99 and total):
        raise ValueError(f"Unexpected wrk output:\n{output}")
    errors = int(non_2xx.group(1)) if non_2xx else 0
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return {
        "requests_per_s": round(float(rate.group(1)), 1),
        "p99_ms": round(_parse_duration_ms(p99.group(1)), 2),
        "requests": int(total.group(1)),
        "errors": errors,
    }


def peak_memory_kib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE).group(1))


def worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return sorted(int(pid) for pid in children)


def run(
    *,
    targets: list[dict],
    env: dict,
    seconds: int,
    project: Path,
    rush: Callable[[str], dict] | None = None,
    fund_rush: Callable[[str], dict] | None = None,
) -> dict:
    """Load-test each target ({"name", "path", "language", "cached"}) in turn, after a
    warm-up whose last answer's X-Cache header is recorded; return the figures and each
    worker's peak memory, then what `rush(base URL)` and `fund_rush(base URL)` return,
    if given. `env` is the server's: the page cache on, as deployed."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise RuntimeError("wrk is missing: `make bench` installs Debian's wrk package.")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and the pinned gunicorn
        [
            sys.executable,
            "-m",
            "gunicorn",
            "portal.wsgi",
            f"--workers={WORKERS}",
            f"--bind=127.0.0.1:{port}",
            "--log-level=warning",
        ],
        cwd=project,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if _get(f"{base}/healthz", timeout=2) == 200:
                    break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start; see its log above.")
            time.sleep(0.2)
        results = []
        for target in targets:
            url = base + target["path"]
            # Both workers answer a few times first, so no one pays for a cold start; a
            # cached page is stored by the first and must be a hit by the last.
            status = x_cache = None
            for _ in range(WORKERS * 5):
                status, x_cache = _fetch(url, target["language"])
            if status != 200:
                raise RuntimeError(f"{target['path']} answered {status} through gunicorn.")
            command = [wrk, f"-t{WRK_THREADS}", f"-c{WRK_CONNECTIONS}", f"-d{seconds}s"]
            command += ["--latency", "-H", f"Accept-Language: {target['language']}"]
            for name, value in HEADERS.items():
                command += ["-H", f"{name}: {value}"]
            done = subprocess.run(  # noqa: S603 - wrk with our own arguments
                [*command, url], capture_output=True, text=True, check=False
            )
            if done.returncode != 0:
                raise RuntimeError(f"wrk failed on {url}: {done.stderr or done.stdout}")
            output = done.stdout
            results.append(
                {
                    "name": target["name"],
                    "path": target["path"],
                    "cached": target.get("cached", False),
                    "x_cache": x_cache,
                    **parse_wrk(output),
                }
            )
        workers = [
            {"pid": pid, "peak_rss_mib": round(peak_memory_kib(pid) / 1024, 1)}
            for pid in worker_pids(server.pid)
        ]
        # Memory first: it measures the load above, not the rush's few requests.
        return {
            "workers": WORKERS,
            "seconds": seconds,
            "targets": results,
            "memory": workers,
            "rush": rush(base) if rush else None,
            "fund_rush": fund_rush(base) if fund_rush else None,
        }
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def static_path(static_root: Path) -> str:
    """The URL of the site's stylesheet as WhiteNoise serves it (hashed name)."""
    manifest = json.loads((static_root / "staticfiles.json").read_text())
    return "/static/" + manifest["paths"]["cms/site.css"]
