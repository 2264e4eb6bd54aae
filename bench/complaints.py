"""How many public complaints a second can the portal take, four customers posting at once?

Creates its own PostgreSQL database (dropped and made again on each run: ``--database``),
migrates and seeds it, and serves the portal as ``bench/pages.py`` does (gunicorn, 2 sync
workers, production mode, ``CHARTER_SERVER_TIMING`` on) on 127.0.0.1. Then ``--warmups``
complaints one at a time (each worker remembers the catalogue and the frozen terms), and
``--clients`` concurrent customers from a second process, each posting complaints through the
public API (``POST /api/v1/public/complaints/``, a new e-mail address each) for
``--seconds``. Reported: complaints per second, the client's wall time (p50 / p95), the
server's time and its query count per POST, errors, and the load average before and after.

    CHARTER_ENV=test DATABASE_URL=postgres://postgres@127.0.0.1:5432/charter \\
    REDIS_URL=redis://127.0.0.1:6379/9 .venv/bin/python bench/complaints.py [--readme]

Only the server of DATABASE_URL is used. ``--readme`` writes the figures into bench/README.md
(between its ``complaints`` markers).
"""

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
BEGIN, END = "<!-- complaints:begin -->", "<!-- complaints:end -->"


def _script(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


pages = _script("pages")
sweep = _script("sweep")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="charter_bench_complaints")
    parser.add_argument("--clients", type=int, default=4, help="concurrent customers")
    parser.add_argument("--seconds", type=float, default=30, help="how long they post")
    parser.add_argument("--warmups", type=int, default=10, help="complaints before timing")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--readme", action="store_true", help="write the figures to README")
    parser.add_argument("--client", type=int, default=0, help=argparse.SUPPRESS)  # the port
    return parser.parse_args()


def complaint(number: int) -> bytes:
    body = pages.complaint(number)
    body["email"] = f"bench{number}@bench.example.com"
    return json.dumps(body).encode()


def post(port: int, number: int) -> dict:
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    began = time.perf_counter()
    try:
        connection.request(
            "POST",
            "/api/v1/public/complaints/",
            body=complaint(number),
            headers={"Content-Type": "application/json"},
        )
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()
    server, queries = pages.timing(response)
    wall = (time.perf_counter() - began) * 1000
    return {"status": response.status, "wall": wall, "server": server, "queries": queries}


def clients(args: argparse.Namespace) -> None:
    """The second process: ``--clients`` threads posting until ``--seconds`` have passed; one
    JSON line of every answer on stdout."""
    answers: list[dict] = []
    counter = iter(range(1_000_000, 10_000_000))
    lock = threading.Lock()
    began = time.perf_counter()
    stop_at = began + args.seconds

    def customer() -> None:
        while time.perf_counter() < stop_at:
            with lock:
                number = next(counter)
            try:
                answer = post(args.client, number)
            except OSError as error:
                answer = {"status": 0, "error": str(error)}
            with lock:
                answers.append(answer)

    threads = [threading.Thread(target=customer) for _ in range(args.clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    print(json.dumps({"elapsed": elapsed, "answers": answers}))


def prepare(args: argparse.Namespace) -> dict:
    """The benchmark's own database, migrated and seeded; the environment naming it."""
    url = sweep.create_database(os.environ["DATABASE_URL"], args.database)
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    for command in (["migrate", "-v0"], ["seed_charter", "-v0"]):
        done = pages.run(["manage.py", *command], env)
        if done.returncode != 0:
            raise SystemExit(f"{command[0]} failed:\n{done.stderr[-3000:]}")
    return env


def figures(values: list[float]) -> str:
    if not values:
        return "— / —"
    return f"{statistics.median(values):.1f} / {pages.percentile(values, 0.95):.1f}"


def measure(args: argparse.Namespace) -> str:
    began = time.perf_counter()
    env = prepare(args)
    print(f"database {args.database} ready in {time.perf_counter() - began:.0f} s", flush=True)
    server, port = pages.start_production_server(env, workers=args.workers, name="complaints")
    try:
        warm = [post(port, number) for number in range(args.warmups)]
        if any(answer["status"] != 201 for answer in warm):
            raise SystemExit(f"warm-up answered {[a['status'] for a in warm]}; see the log")
        before = pages.load()
        print(
            f"{args.clients} clients posting for {args.seconds:.0f} s to 127.0.0.1:{port} "
            f"({args.workers} workers), load average {before}",
            flush=True,
        )
        command = [__file__, "--client", str(port), "--clients", str(args.clients)]
        command += ["--seconds", str(args.seconds)]
        done = subprocess.run(
            [sys.executable, *command],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=args.seconds + 120,
            check=False,
        )
        if done.returncode != 0:
            raise SystemExit(f"the clients failed:\n{done.stderr[-3000:]}")
        after = pages.load()
    finally:
        pages.dashboard.stop_server(server)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    answers = result["answers"]
    ok = [answer for answer in answers if answer["status"] == 201]
    queries = [answer["queries"] for answer in ok if answer["queries"] is not None]
    text = (
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} with "
        f"`bench/complaints.py --clients {args.clients} --seconds {args.seconds:.0f}` "
        f"({args.workers} gunicorn sync workers, production mode, {os.cpu_count()} CPUs): "
        f"load average before {before}, after {after}.\n\n"
        "| complaints | per second | wall p50 / p95 ms | server p50 / p95 ms "
        "| queries per POST | errors |\n|---:|---:|---|---|---|---:|\n"
        f"| {len(ok):,} | {len(ok) / result['elapsed']:.1f} "
        f"| {figures([a['wall'] for a in ok])} "
        f"| {figures([a['server'] for a in ok if a['server'] is not None])} "
        f"| {pages.query_figures(queries)} | {len(answers) - len(ok)} |"
    )
    return text


def main() -> None:
    args = parse_args()
    if args.client:
        clients(args)
        return
    if os.environ.get("CHARTER_ENV") != "test" or "REDIS_URL" not in os.environ:
        raise SystemExit("run with CHARTER_ENV=test, DATABASE_URL and REDIS_URL (see --help)")
    text = measure(args)
    print("\n" + text)
    if args.readme:
        pages.write_readme(text, BEGIN, END)


if __name__ == "__main__":
    main()
