"""The run `eventos bench` starts (its arguments are declared in bot.cli, which imports this only to run it)."""

import argparse

from core.settings import Settings


def run(settings: Settings, args: argparse.Namespace) -> int:
    from bench import runner
    from bench.profile import ProfilerMissing, py_spy
    from bench.scenarios import SCENARIOS

    only = tuple(key for key in (args.only or "").split(",") if key)
    unknown = set(only) - {scenario.key for scenario in SCENARIOS}
    if unknown:
        print(f"--only takes scenario keys ({', '.join(s.key for s in SCENARIOS)}), not {', '.join(sorted(unknown))}.")
        return 2
    if args.profile:
        try:
            py_spy()
        except ProfilerMissing as missing:
            print(missing)
            return 2
    options = runner.Options(scale=args.scale, duration=args.duration, requests=args.requests, database=args.database,
                             only=only, profile=args.profile, workers=args.workers, **({"output": args.output} if args.output else {}))
    runner.run(options, settings)
    return 0
