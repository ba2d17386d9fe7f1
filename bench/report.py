"""The run's results: bench/results.json, the targets, and the printed table."""

import json
import os
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from bench.load import Figures

TARGET_CONCURRENCY = "16"
SLACK_P99_MS = 100.0
SEARCH_P99_MS = 50.0
CHECKIN_SHARE = 0.7
DIGEST_SECONDS = 1.0
SERVER_MB = 400.0  # the supervisor and all workers together


def machine() -> dict:
    model = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.processor() or platform.machine(),
    ) if Path("/proc/cpuinfo").exists() else platform.machine()
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"cpus": os.cpu_count(), "cpu_model": model, "memory_gb": round(memory, 1), "python": platform.python_version()}


def commit() -> str | None:
    try:
        return subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True, cwd=Path(__file__).parent
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def new_results(scale: str, options, build_seconds: float | None) -> dict:
    return {
        "scale": scale,
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": commit(),
        "machine": machine(),
        "settings": {"duration_s": options.duration, "max_requests": options.requests},
        "dataset": {"built_now": build_seconds is not None, "build_seconds": round(build_seconds, 1) if build_seconds else None},
        "scenarios": {},
    }


def line(figures: Figures, cpu: dict) -> str:
    errors = f"  {figures.errors} errors: {figures.error_sample}" if figures.errors else ""
    return (f"n={figures.count:<6} p50={figures.p50_ms:8.1f} ms  p99={figures.p99_ms:8.1f} ms  "
            f"{figures.per_second:8.1f}/s  cores: server {cpu['server_cores']:.2f} driver {cpu['driver_cores']:.2f} "
            f"machine {cpu['machine_cores']:.2f}{errors}")


def _share(run: dict | None, limit: dict | None) -> float | None:
    if not run or not limit or not limit.get("per_second"):
        return None
    return round(run["per_second"] / limit["per_second"], 3)


def finish(results: dict) -> None:
    """Add each scenario's fraction of its limit, and the targets met or missed."""
    for scenario in results["scenarios"].values():
        if "race" in scenario and scenario.get("status") == "ok":
            scenario["double_admissions"] = scenario.get("double_admissions", 0) + scenario["race"]["double_admissions"]
        scenario["of_limit"] = {
            c: share for c in scenario.get("runs", {}) if (share := _share(scenario["runs"][c], scenario.get("limits", {}).get(c)))
        }
    for key, count in _worker_runs(results):
        measured = results["workers"][count]["scenarios"][key]
        limits = results["scenarios"].get(key, {}).get("limits", {})
        measured["of_limit"] = {c: share for c in measured.get("runs", {}) if (share := _share(measured["runs"][c], limits.get(c)))}
    results["targets"] = targets(results)


def _worker_runs(results: dict) -> list[tuple[str, str]]:
    """(scenario key, worker count) of every scenario measured with each worker count."""
    counts = [str(n) for n in results.get("workers", {}).get("measured", [])]
    return [(key, n) for n in counts for key in results["workers"][n]["scenarios"]]


def _p99(results: dict, key: str, concurrency: str = TARGET_CONCURRENCY) -> float | None:
    scenario = results["scenarios"].get(key, {})
    run = scenario.get("runs", {}).get(concurrency)
    return run["p99_ms"] if scenario.get("status") == "ok" and run and not run["errors"] else None


def targets(results: dict) -> list[dict]:
    """Each target with the measured value (None: not measured) and whether it was met."""
    found = []

    def target(name: str, value, met: bool | None, unit: str) -> None:
        found.append({"target": name, "value": value, "unit": unit, "met": None if value is None else met})

    for key, scenario in results["scenarios"].items():
        if scenario.get("slack"):
            p99 = _p99(results, key)
            target(f"{scenario['title']}: p99 < {SLACK_P99_MS:.0f} ms at c={TARGET_CONCURRENCY}", p99,
                   p99 is not None and p99 < SLACK_P99_MS, "ms")
    search = _p99(results, "contact_find")
    target(f"contact search: p99 < {SEARCH_P99_MS:.0f} ms at c={TARGET_CONCURRENCY}", search,
           search is not None and search < SEARCH_P99_MS, "ms")
    checkin = results["scenarios"].get("checkin", {})
    share = checkin.get("of_limit", {}).get(TARGET_CONCURRENCY)
    target(f"check-in API: >= {CHECKIN_SHARE:.0%} of the raw asyncpg limit at c={TARGET_CONCURRENCY}", share,
           share is not None and share >= CHECKIN_SHARE, "of limit")
    doubled = checkin.get("double_admissions") if checkin.get("status") == "ok" else None
    target("check-in: zero double admissions", doubled, doubled == 0, "tickets")
    digest = _p99(results, "digest_now")
    target(f"/digest now: p99 < {DIGEST_SECONDS:.0f} s at c={TARGET_CONCURRENCY}", digest,
           digest is not None and digest < DIGEST_SECONDS * 1000, "ms")
    peak = results.get("server", {}).get("peak_rss_mb")
    target(f"server resident memory, all workers together < {SERVER_MB:.0f} MB (sum of peaks)", peak,
           peak is not None and peak < SERVER_MB, "MB")
    return found


def _cell(value, width: int, fmt: str = "{:.1f}") -> str:
    return ("-" if value is None else fmt.format(value)).rjust(width)


def table(results: dict) -> str:
    """The printed summary: one line per scenario and concurrency, then the in-process figures and targets."""
    out = [f"EventOS bench, scale {results['scale']}, {results['machine']['cpus']} CPUs ({results['machine']['cpu_model']}), "
           f"commit {(results['commit'] or '?')[:10]}, {results['machine'].get('busy_cores_before', '?')} cores busy "
           "elsewhere before the run", ""]
    out.append(f"{'scenario':<38}{'conc':>5}{'n':>7}{'err':>5}{'p50 ms':>9}{'p99 ms':>9}{'ops/s':>9}"
               f"{'limit/s':>9}{'lim p99':>9}{'of limit':>9}{'cpu/op':>8}{'cores':>6}")
    for scenario in results["scenarios"].values():
        if scenario.get("status") != "ok":
            out.append(f"{scenario['title']:<38}  {scenario.get('status', '?')}: {scenario.get('note', '')}"[:150])
            continue
        for c, run in scenario["runs"].items():
            limit = scenario.get("limits", {}).get(c) or {}
            share = scenario.get("of_limit", {}).get(c)
            out.append(
                f"{scenario['title'][:37]:<38}{c:>5}{run['count']:>7}{run['errors']:>5}{_cell(run['p50_ms'], 9)}"
                f"{_cell(run['p99_ms'], 9)}{_cell(run['per_second'], 9)}{_cell(limit.get('per_second'), 9)}"
                f"{_cell(limit.get('p99_ms'), 9)}{_cell(share, 9, '{:.0%}')}"
                f"{_cell(run['cpu']['server_cpu_ms_per_op'], 8)}{_cell(run['cpu']['machine_cores'], 6, '{:.2f}')}"
            )
    out += side_by_side(results)
    checkin = results["scenarios"].get("checkin", {})
    if checkin.get("status") == "ok":
        out.append(f"check-in: {checkin['double_admissions']} double admissions; race {checkin.get('race')}")
    analytics = results.get("analytics", {})
    for kind in ("full", "incremental"):
        if kind in analytics:
            a = analytics[kind]
            out.append(f"analytics rollup ({kind}): {a['seconds']:.2f} s, {a['event_days']} event-days, {a['rows_written']} rows written")
    campaign = results.get("campaign", {})
    if campaign.get("status") == "ok":
        out.append(f"campaign: {campaign['emails']} emails in {campaign['seconds']:.1f} s = {campaign['per_second']:.0f} emails/s")
    elif campaign:
        out.append(f"campaign: {campaign.get('status')}: {campaign.get('note', '')}")
    exported = results.get("export", {})
    if exported.get("status") == "ok":
        out.append(f"export: {exported['rows']} attendee rows in {exported['seconds']:.2f} s = "
                   f"{exported['rows_per_second']:.0f} rows/s, peak {exported['peak_memory_mb']:.1f} MB")
    elif exported:
        out.append(f"export: {exported.get('status')}: {exported.get('note', '')}")
    for count, measured in _by_workers(results):
        server = measured.get("server", {})
        if server:
            out.append(f"server memory, {count} worker(s), {server.get('processes', 1)} processes: peaks {server['peak_rss_mb']:.0f} MB "
                       f"resident together (now {server['rss_mb']:.0f} MB, {server.get('pss_mb', 0):.0f} MB proportional)")
    out += ["", "targets (full scale, 2 cores):"]
    for t in results.get("targets", []):
        mark = {True: "met   ", False: "MISSED", None: "n/a   "}[t["met"]]
        value = "-" if t["value"] is None else (f"{t['value']:.0%}" if t["unit"] == "of limit" else f"{t['value']} {t['unit']}")
        out.append(f"  {mark} {t['target']}: {value}")
    return "\n".join(out)


def _by_workers(results: dict) -> list[tuple[str, dict]]:
    measured = results.get("workers", {}).get("measured")
    if not measured:
        return [("1", {"server": results["server"]})] if results.get("server") else []
    return [(str(n), results["workers"][str(n)]) for n in measured]


def _side(run: dict | None, share: float | None) -> tuple[str, ...]:
    if not run:
        return ("-",) * 5
    return (f"{run['p50_ms']:.1f}", f"{run['p99_ms']:.1f}", f"{run['per_second']:.1f}",
            _cell(share, 0, "{:.0%}").strip(), _cell(run["cpu"]["server_cpu_ms_per_op"], 0).strip())


def side_by_side_rows(results: dict) -> list[tuple[str, str, list[tuple[str, ...]]]]:
    """(scenario title, concurrency, per worker count: p50, p99, ops/s, of limit, cpu/op)."""
    counts = _by_workers(results)
    rows = []
    for key, scenario in results["scenarios"].items():
        if scenario.get("status") != "ok":
            continue
        for c in scenario["runs"]:
            cells = []
            for _, measured in counts:
                other = measured.get("scenarios", {}).get(key, {})
                cells.append(_side(other.get("runs", {}).get(c), other.get("of_limit", {}).get(c)))
            rows.append((scenario["title"], c, cells))
    return rows


def side_by_side(results: dict) -> list[str]:
    counts = [n for n, _ in _by_workers(results)]
    if len(counts) < 2:
        return []
    out = ["", "p50 ms / p99 ms / ops/s / of limit / cpu ms per op, " + " vs ".join(f"{n} worker(s)" for n in counts)]
    for title, c, cells in side_by_side_rows(results):
        out.append(f"{title[:37]:<38}{c:>5}  " + "   |   ".join(" / ".join(cell) for cell in cells))
    return out


def write(results: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, default=str) + "\n")


def markdown(results: dict) -> str:
    """The run as markdown tables, for recording in docs/performance.md."""
    m = results["machine"]
    out = [f"Scale {results['scale']}, {results['timestamp']}, commit `{(results['commit'] or '?')[:10]}`, "
           f"{m['cpus']} × {m['cpu_model']}, {m['memory_gb']} GB, PostgreSQL {m.get('postgresql', '?')}, "
           f"{results['settings']['duration_s']:g} s per round, {m.get('busy_cores_before', '?')} cores busy elsewhere "
           "before the run.", "",
           "| scenario | conc | n | p50 ms | p99 ms | ops/s | limit ops/s | limit p99 ms | of limit | server CPU ms/op | machine cores |",
           "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for scenario in results["scenarios"].values():
        if scenario.get("status") != "ok":
            out.append(f"| {scenario['title']} | {scenario.get('status')}: {scenario.get('note', '')} |")
            continue
        for c, run in scenario["runs"].items():
            limit = scenario.get("limits", {}).get(c) or {}
            share = scenario.get("of_limit", {}).get(c)
            errors = f" ({run['errors']} failed)" if run["errors"] else ""
            out.append(
                f"| `{scenario['title']}` | {c} | {run['count']}{errors} | {run['p50_ms']:.1f} | {run['p99_ms']:.1f} "
                f"| {run['per_second']:.1f} | {_cell(limit.get('per_second'), 0).strip()} | {_cell(limit.get('p99_ms'), 0).strip()} "
                f"| {_cell(share, 0, '{:.0%}').strip()} | {_cell(run['cpu']['server_cpu_ms_per_op'], 0).strip()} "
                f"| {run['cpu']['machine_cores']:.2f} |"
            )
    counts = [n for n, _ in _by_workers(results)]
    if len(counts) > 1:
        head = " | ".join(f"{n} w: p50 | {n} w: p99 | {n} w: ops/s | {n} w: of limit | {n} w: CPU ms/op" for n in counts)
        out += ["", f"| scenario | conc | {head} |", "| --- | --- |" + " --- |" * (5 * len(counts))]
        for title, c, cells in side_by_side_rows(results):
            out.append(f"| `{title}` | {c} | " + " | ".join(" | ".join(cell) for cell in cells) + " |")
    out += ["", "| figure | value |", "| --- | --- |"]
    for kind, a in results.get("analytics", {}).items():
        out.append(f"| analytics rollup, {kind} | {a['seconds']:.2f} s ({a['event_days']} event-days, {a['rows_written']} rows written) |")
    campaign = results.get("campaign", {})
    if campaign.get("status") == "ok":
        out.append(f"| campaign email | {campaign['emails']} emails in {campaign['seconds']:.1f} s = {campaign['per_second']:.0f} emails/s |")
    exported = results.get("export", {})
    if exported.get("status") == "ok":
        out.append(f"| attendee export (CSV) | {exported['rows']} rows in {exported['seconds']:.2f} s = "
                   f"{exported['rows_per_second']:.0f} rows/s, peak {exported['peak_memory_mb']:.1f} MB |")
    checkin = results["scenarios"].get("checkin", {})
    if checkin.get("status") == "ok":
        race = checkin["race"]
        out.append(f"| double admissions | {checkin['double_admissions']} (race: {race['scans']} scans of {race['tickets']} tickets, "
                   f"{race['admitted_answers']} admitted) |")
    for count, measured in _by_workers(results):
        server = measured.get("server", {})
        if server:
            out.append(f"| server resident memory, {count} worker(s) ({server.get('processes', 1)} processes) | peaks "
                       f"{server['peak_rss_mb']:.0f} MB together, {server.get('pss_mb', 0):.0f} MB proportional |")
    if results["dataset"].get("build_seconds"):
        out.append(f"| dataset build (this run) | {results['dataset']['build_seconds']:.0f} s |")
    out += ["", "| target | measured | |", "| --- | --- | --- |"]
    for t in results.get("targets", []):
        value = "-" if t["value"] is None else (f"{t['value']:.0%}" if t["unit"] == "of limit" else f"{t['value']} {t['unit']}")
        out.append(f"| {t['target']} | {value} | {dict([(True, 'met'), (False, 'missed'), (None, 'n/a')])[t['met']]} |")
    return "\n".join(out)
