"""The `eventos bench` subcommand: its arguments, and the run they start."""

import argparse
from pathlib import Path

from core.settings import Settings


def add_parser(sub) -> None:
    """Register `bench` on the `eventos` subcommand parser."""
    bench = sub.add_parser("bench", help="benchmark the server against a generated dataset; writes bench/results.json")
    bench.add_argument("--scale", choices=("tiny", "small", "full"), default="full", help="dataset size (default: full)")
    bench.add_argument("--duration", type=float, default=5.0, help="seconds per scenario and concurrency (default: 5)")
    bench.add_argument("--requests", type=int, default=10_000, help="at most this many requests per scenario and concurrency")
    bench.add_argument("--output", type=Path, help="where to write the results (default: bench/results.json)")
    bench.add_argument("--database", help="the benchmark database's name (default: eventos_bench_SCALE)")
    bench.set_defaults(run=run)


def run(settings: Settings, args: argparse.Namespace) -> int:
    from bench import runner

    options = runner.Options(scale=args.scale, duration=args.duration, requests=args.requests, database=args.database,
                             **({"output": args.output} if args.output else {}))
    runner.run(options, settings)
    return 0
