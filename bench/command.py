"""The run `eventos bench` starts (its arguments are declared in bot.cli, which imports this only to run it)."""

import argparse

from core.settings import Settings


def run(settings: Settings, args: argparse.Namespace) -> int:
    from bench import runner

    options = runner.Options(scale=args.scale, duration=args.duration, requests=args.requests, database=args.database,
                             **({"output": args.output} if args.output else {}))
    runner.run(options, settings)
    return 0
