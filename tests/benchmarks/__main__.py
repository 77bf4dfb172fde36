"""`python -m tests.benchmarks`: every benchmark against real PostgreSQL, Redis and Mosquitto.

    python -m tests.benchmarks                      # every module, full size
    python -m tests.benchmarks --quick              # smoke sizes (CI-like)
    python -m tests.benchmarks --only mqtt_baseline --only ingest --json out.json
    python -m tests.benchmarks --only soak --soak-seconds 600

Creates a fresh database next to DATABASE_URL's (its name + "_run"), migrates it, runs each
selected `bench_<name>.py` module's `run(quick=...)` on it (emptied between modules), prints one
table (figure, value, goal, ok, peer, ratio to the physical limit measured in the same run) and
the machine it ran on. Exit status 1 on an error in a module (or, with --strict, a missed goal);
a missed goal alone is reported, not an error.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import shutil
import subprocess
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

from tests.benchmarks import common

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
FIRST = ("mqtt_baseline",)  # the physical limits first: later modules read them for ratios
LAST = ("soak",)


def discover() -> list[str]:
    """Names of the benchmark modules (bench_<name>.py → name), baselines first, soak last."""
    names = sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))
    first = [n for n in FIRST if n in names]
    last = [n for n in LAST if n in names]
    return first + [n for n in names if n not in first and n not in last] + last


def load(name: str):
    return importlib.import_module(f"tests.benchmarks.bench_{name}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks", description=__doc__)
    parser.add_argument(
        "--only", action="append", default=[], metavar="NAME", help="run this module (repeatable)"
    )
    parser.add_argument("--quick", action="store_true", help="smoke sizes, for CI-like runs")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")
    parser.add_argument("--list", action="store_true", help="list the modules and exit")
    parser.add_argument("--keep-db", action="store_true", help="keep the run's database")
    parser.add_argument(
        "--soak-seconds", type=float, help="duration of the soak (default 600, quick 20)"
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", ""),
        help="PostgreSQL server and base name (default DATABASE_URL); the run uses <name>_run",
    )
    return parser.parse_args(argv)


def selected(args: argparse.Namespace) -> list[str]:
    available = discover()
    if not args.only:
        # Modules with DEFAULT = False (the soak: ten minutes) run only when named.
        return [n for n in available if getattr(load(n), "DEFAULT", True)]
    wanted = [n.removeprefix("bench_").removesuffix(".py") for n in args.only]
    unknown = [n for n in wanted if n not in available]
    if unknown:
        raise SystemExit(f"unknown benchmark(s) {unknown}; available: {', '.join(available)}")
    return [n for n in available if n in wanted]


# --- the machine ------------------------------------------------------------------------------


def _command_version(*command: str) -> str:
    if not shutil.which(command[0]):
        return "not installed"
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    text = (out.stdout or out.stderr).strip().splitlines()
    return text[0] if text else "unknown"


def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kib / 1024**2:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    info = {
        "host": platform.node(),
        "cpu": f"{os.cpu_count()} × {cpu}",
        "memory": memory,
        "os": platform.platform(),
        "python": platform.python_version(),
        "mosquitto": _command_version("mosquitto", "-h"),
        "redis": _command_version("redis-server", "--version"),
    }
    try:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            info["postgresql"] = cursor.fetchone()[0]
    except Exception as error:
        info["postgresql"] = f"unknown ({error})"
    return info


# --- Django on the run's database --------------------------------------------------------------


def setup_django(run_url: str) -> None:
    os.environ["DATABASE_URL"] = run_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityplatform.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)


# --- the table --------------------------------------------------------------------------------


def fmt_value(value: float) -> str:
    if value != value:  # NaN
        return "n/a"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:,.2f}"
    return f"{value:.3g}"


def table_rows(results: list[dict]) -> list[list[str]]:
    rows = [["module", "figure", "value", "goal", "ok", "peer / ratio to limit"]]
    for r in results:
        ok = {True: "yes", False: "MISSED", None: "-"}[r["ok"]]
        notes = []
        if r.get("peer"):
            notes.append(str(r["peer"]))
        if r.get("ratio") is not None:
            notes.append(
                f"{r['ratio']:.2f} × {r.get('limit_name', 'limit')} ({fmt_value(r['limit'])})"
            )
        rows.append(
            [
                r["module"],
                r["name"],
                f"{fmt_value(r['value'])} {r['unit']}".strip(),
                r.get("goal") or "",
                ok,
                "; ".join(notes),
            ]
        )
    return rows


def render_table(results: list[dict]) -> str:
    rows = table_rows(results)
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for index, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


# --- main -------------------------------------------------------------------------------------


def run_module(name: str, *, quick: bool) -> tuple[list[dict], str | None, float]:
    """(figures, error text or None, seconds) of one module, on an emptied database."""
    common.truncate_all()
    started = time.perf_counter()
    try:
        figures = common.check_figures(load(name).run(quick=quick))
    except Exception:
        return [], traceback.format_exc(), time.perf_counter() - started
    for item in figures:
        item["module"] = name
    return figures, None, time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.list:
        for name in discover():
            doc = (load(name).__doc__ or "").strip().splitlines()
            print(f"{name:20} {doc[0] if doc else ''}")
        return 0
    if args.soak_seconds is not None:
        os.environ["BENCH_SOAK_SECONDS"] = str(args.soak_seconds)
    base = args.database_url
    if not base.startswith(("postgres://", "postgresql://")):
        print("DATABASE_URL must name a PostgreSQL server (postgres://…)", file=sys.stderr)
        return 2
    base_name = common.database_name(base) or "cityplatform"
    run_name = base_name if base_name.endswith("_run") else f"{base_name}_run"
    run_url = common.with_database(base, run_name)
    common.recreate_database(run_url)
    print(f"benchmark database: {run_name} (fresh, migrated)", flush=True)
    setup_django(run_url)
    names = selected(args)
    info = machine()
    print("machine: " + "; ".join(f"{k} {v}" for k, v in info.items()), flush=True)

    results: list[dict] = []
    errors: dict[str, str] = {}
    timings: dict[str, float] = {}
    for name in names:
        print(f"… {name}{' (quick)' if args.quick else ''}", flush=True)
        figures, error, seconds = run_module(name, quick=args.quick)
        timings[name] = seconds
        results.extend(figures)
        if error:
            errors[name] = error
            print(f"ERROR in {name}:\n{error}", file=sys.stderr, flush=True)
        else:
            print(f"  {name}: {len(figures)} figure(s) in {seconds:.1f} s", flush=True)

    common.truncate_all()
    from django.db import connections

    connections.close_all()
    if not args.keep_db:
        common.drop_database(run_url)

    print()
    print(render_table(results) if results else "(no figures)")
    command = "python -m tests.benchmarks " + " ".join(argv if argv is not None else sys.argv[1:])
    print(f"\ncommand: {command.strip()}")
    missed = [r["name"] for r in results if r["ok"] is False]
    if missed:
        print(f"goals missed: {len(missed)} ({', '.join(missed)})")
    if errors:
        print(f"errors in: {', '.join(errors)}")
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "command": command.strip(),
                    "finished": datetime.now(UTC).isoformat(),
                    "quick": args.quick,
                    "machine": info,
                    "seconds": timings,
                    "results": results,
                    "errors": errors,
                },
                indent=2,
            )
        )
    if errors:
        return 1
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
