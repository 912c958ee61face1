"""Command line: parse options, dispatch to checker.commands, map outcomes to exit codes.

Exit codes: 0 compliant (no fail, insufficient_evidence or error finding),
1 findings that fail, 2 unusable input or usage, 3 internal error.
Heavy modules are imported by the commands themselves, only when run, so
`--help` and `--version` stay close to the interpreter's own start-up.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
from pathlib import Path
from typing import Any

import click

from checker import __version__

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


class IsoDate(click.ParamType):
    name = "DATE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> dt.date:
        if isinstance(value, dt.date):
            return value
        try:
            day = dt.date.fromisoformat(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a date in YYYY-MM-DD form", param, ctx)
        if not dt.date(1900, 1, 1) <= day <= dt.date(2199, 12, 31):
            self.fail(f"{value!r} is outside the years 1900-2199 that bundles may use", param, ctx)
        return day


DATE = IsoDate()

POLICY_DIR_HELP = ("Policy directory that adds to or overrides the shipped policies by id (later wins); "
                   "after those listed in ecs-check.yaml. Repeatable.")


def policies_option(fn: Any) -> Any:
    return click.option("--policies", "policy_dirs", multiple=True, type=click.Path(path_type=Path, file_okay=False),
                        metavar="DIR", help=POLICY_DIR_HELP)(fn)


def config_option(fn: Any) -> Any:
    return click.option("--config", "config_file", type=click.Path(path_type=Path, dir_okay=False), metavar="FILE",
                        help="Configuration file (default: ecs-check.yaml in this directory or the nearest parent "
                             "within the git repository).")(fn)


def profile_option(fn: Any) -> Any:
    return click.option("--profile", "profile", type=click.Path(path_type=Path, dir_okay=False), metavar="FILE",
                        help="Profile (schemas/profile.schema.json) that selects standards and policies, sets "
                             "parameters with reasons and declares clauses not applicable; a FILE, or the name of a "
                             "shipped profile (`ecs-check profile list`). See `ecs-check profile show`.")(fn)


def paths_argument(fn: Any) -> Any:
    return click.argument("paths", nargs=-1, type=click.Path(path_type=Path))(fn)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", "-V", prog_name="ecs-check", message="%(prog)s %(version)s")
@click.option("--debug", is_flag=True, envvar="ECS_CHECK_DEBUG", help="Show tracebacks for internal errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Check e-commerce customer service evidence against DB33/T 2039-2017 and NJ-ECCS.

    \b
    Exit codes: 0 no failing finding (waived findings do not fail); 1 a finding
    is fail, insufficient_evidence or error; 2 unusable input or usage (also a
    broken profile or waivers file); 3 internal error.
    """
    ctx.obj = {"debug": debug}


class OutputSpec(click.ParamType):
    """`FORMAT=PATH`, or a bare `PATH` written in the `--format` format."""

    name = "[FORMAT=]PATH"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> tuple[str | None, Path]:
        if isinstance(value, tuple):
            return value
        from checker.reporters import FORMATS

        name, sep, rest = str(value).partition("=")
        if sep and name in FORMATS:
            if not rest:
                self.fail(f"{value!r} names no file after '='", param, ctx)
            return name, Path(rest)
        if sep and re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", name):
            self.fail(f"unknown format {name!r} in {value!r}; choose from {', '.join(FORMATS)} "
                      f"(write ./{value} for a file whose name contains '=')", param, ctx)
        return None, Path(value)


OUTPUT = OutputSpec()


def _format_names() -> list[str]:
    from checker.reporters import FORMATS

    return list(FORMATS)


@cli.command()
@click.argument("bundle", type=click.Path(path_type=Path))
@click.option("--standard", "standards", multiple=True, default=("all",), show_default=True, metavar="ID",
              help="Standard to check: 'DB33/T 2039-2017', 'NJ-ECCS', a policy directory name, or 'all'. Repeatable.")
@click.option("--format", "fmt", type=click.Choice(_format_names()), default="text", show_default=True,
              help="Format written to standard output (or to a bare --output PATH).")
@click.option("--output", "-o", "output_specs", multiple=True, type=OUTPUT,
              help="Write a report to a file, atomically: FORMAT=PATH (e.g. sarif=out.sarif), or PATH in the "
                   "--format format. Repeatable; one evaluation renders every output, and if one fails none is written.")
@policies_option
@config_option
@click.option("--no-shipped-policies", "no_shipped", is_flag=True,
              help="Use only the --policies directories, not the shipped policies.")
@click.option("--as-of", type=DATE, help="Evaluation date (default: the bundle's as_of, else its period end).")
@click.option("--lang", type=click.Choice(["both", "zh", "en"]), default="both", show_default=True,
              help="Language of the text, Markdown and HTML reports and of SARIF and JUnit messages (both: Chinese first).")
@click.option("--sarif-all", is_flag=True, help="SARIF: report every finding, including pass and not_applicable.")
@click.option("--color/--no-color", default=None, help="Colour the text report (default: only on a terminal, unless NO_COLOR is set).")
@click.option("--max-bundle-bytes", type=click.IntRange(min=1), default=256 * 1024 * 1024, show_default=True,
              help="Refuse bundle files larger than this, before parsing.")
@click.option("--min-grade", type=click.Choice(["AAA", "AAAA", "AAAAA"]),
              help="Exit 1 when the NJ-ECCS grade is lower than this, or withheld. Without it the grade never changes the exit code.")
@profile_option
@click.option("--waivers", "waivers", type=click.Path(path_type=Path, dir_okay=False), metavar="FILE",
              help="Waivers file (schemas/waivers.schema.json): a waiver in force on the as-of date turns a fail or "
                   "insufficient_evidence finding into waived, keeping its original status; expired or orphaned "
                   "waivers are reported. A malformed file stops the run (exit 2).")
@click.option("--max-waivers", type=click.IntRange(min=0), metavar="N",
              help="Stop with an error (exit 2) when more than N waivers are active.")
@click.option("--baseline", type=click.Path(path_type=Path, dir_okay=False), metavar="OLD.json",
              help="An earlier JSON report: mark each finding new, changed or existing (by policy id and item; a finding "
                   "whose status or evidence differs, a cited record's values or a cited file's bytes included, is changed, never existing) and exit 1 only for failing findings "
                   "that are not existing.")
@click.option("--max-attachment-bytes", type=click.IntRange(min=1), default=64 * 1024 * 1024, show_default=True,
              help="Do not read attachments larger than this; evidence resting on one is insufficient.")
@click.pass_context
def check(ctx: click.Context, bundle: Path, standards: tuple[str, ...], fmt: str,
          output_specs: tuple[tuple[str | None, Path], ...], policy_dirs: tuple[Path, ...], config_file: Path | None, no_shipped: bool,
          as_of: dt.date | None, lang: str, sarif_all: bool, color: bool | None, max_bundle_bytes: int,
          min_grade: str | None, profile: Path | None, waivers: Path | None, max_waivers: int | None,
          baseline: Path | None, max_attachment_bytes: int) -> int:
    """Evaluate an evidence BUNDLE (file or directory) and report a finding per clause.

    \b
    Formats: text, json, sarif (SARIF 2.1.0), junit (JUnit XML), oscal (OSCAL
    assessment results), markdown and html (evaluation report).
    """
    from checker.commands import check as command

    bare = [path for name, path in output_specs if name is None]
    if len(bare) > 1:
        raise click.UsageError("only one --output PATH without FORMAT=; name the format of the others (FORMAT=PATH)")
    outputs = [(name, path) for name, path in output_specs if name is not None]
    output = bare[0] if bare else None
    if color is None:
        color = output is None and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    return command.run(
        bundle, standards=standards, fmt=fmt, output=output, outputs=outputs, policy_dirs=policy_dirs,
        config_file=config_file, shipped_policies=not no_shipped, as_of=as_of,
        options={"lang": lang, "color": color, "sarif_all": sarif_all},
        max_bundle_bytes=max_bundle_bytes, debug=ctx.obj["debug"], min_grade=min_grade,
        profile=profile, waivers=waivers, max_waivers=max_waivers, baseline=baseline,
        max_attachment_bytes=max_attachment_bytes,
    )


ENGINE_HELP = ("How record-based figures are measured: python (reference), duckdb (embedded SQL), spark (Apache Spark, "
               "needs the spark extra); auto: Python for inline records, DuckDB when records stay in files. All give the same numbers.")


@cli.command()
@click.argument("bundle", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--engine", type=click.Choice(["auto", "python", "duckdb", "spark"]), default="auto", show_default=True, help=ENGINE_HELP)
@click.option("--master", metavar="URL", help="Spark master URL, passed through (e.g. local[2], spark://host:7077, yarn); with --engine spark.")
@click.option("--as-of", type=DATE, help="Evaluation date (default: the bundle's as_of, else its period end).")
@click.option("--lang", type=click.Choice(["both", "zh", "en"]), default="both", show_default=True, help="Language of the text output.")
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False), help="Write to this file (atomically) instead of standard output.")
@policies_option
@config_option
def kpis(bundle: Path, fmt: str, engine: str, master: str | None, as_of: dt.date | None, lang: str, output: Path | None,
         policy_dirs: tuple[Path, ...], config_file: Path | None) -> int:
    """Compute the NJ-ECCS table A.1/A.2 indicators of a BUNDLE, with their definitions and worst records.

    \b
    Also checks the complaint and refund deadlines (DB33/T 2039-2017 7.5.1.2,
    7.5.2.4; NJ-ECCS 5.4.3.3) over every record. Exit codes: 0 computed,
    2 unusable input or usage.
    """
    from checker.commands import kpis as command

    return command.run(bundle, fmt=fmt, engine=None if engine == "auto" else engine, master=master, as_of=as_of,
                       policy_dirs=policy_dirs, config_file=config_file, lang=lang, output=output)


@cli.command()
@click.argument("source", type=click.Path(path_type=Path), metavar="DIR|MANIFEST")
@click.option("--output", "-o", required=True, type=click.Path(path_type=Path, file_okay=False), metavar="DIR",
              help="Directory for results/, state/, summary.json and the CSV tables (created if needed).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), help="Worker processes (default: the number of CPUs, at most 8).")
@click.option("--engine", type=click.Choice(["local", "spark"]), default="local", show_default=True,
              help="local: processes on this machine; spark: Spark executors (needs the spark extra and ecs-check on every worker).")
@click.option("--master", metavar="URL", help="Spark master URL, passed through (e.g. local[2], spark://host:7077, yarn).")
@click.option("--standard", "standards", multiple=True, default=("all",), show_default=True, metavar="ID",
              help="Standard to check, as for check. Repeatable.")
@click.option("--as-of", type=DATE, help="Evaluation date for every bundle (default: each bundle's as_of, else its period end).")
@policies_option
@config_option
@click.option("--no-shipped-policies", "no_shipped", is_flag=True, help="Use only the --policies directories.")
@click.option("--resume/--no-resume", default=True, show_default=True,
              help="Skip bundles whose inputs, policies and options match a result already in the output directory.")
@click.option("--progress", type=click.Choice(["auto", "bar", "lines", "none"]), default="auto", show_default=True,
              help="auto: a progress bar on a terminal, one line per bundle otherwise (standard error).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), metavar="SECONDS",
              help="Stop a bundle's worker process after this long on it and record the bundle as an internal error "
                   "(default: no limit). Runs bundles in worker processes even with --jobs 1.")
def batch(source: Path, output: Path, jobs: int | None, engine: str, master: str | None, standards: tuple[str, ...],
          as_of: dt.date | None, policy_dirs: tuple[Path, ...], config_file: Path | None, no_shipped: bool, resume: bool,
          progress: str, timeout: float | None) -> int:
    """Evaluate every bundle of a DIR (searched through its folders) or of a MANIFEST, in parallel.

    \b
    In DIR, a folder holding bundle.yaml, bundle.yml or bundle.json is a bundle
    (not searched further), other folders are searched, and other YAML or JSON
    files are bundle files. Writes one JSON report per bundle and an aggregate:
    summary.json, summary.csv (pass rate per clause, most failed clauses),
    grades.csv, bundles.csv. A bundle that is unusable, or whose worker process
    dies or passes --timeout (an internal error), is reported and the others
    still run. Exit codes: 0 every bundle passes; 1 a bundle has failing
    findings; 2 a bundle is unusable or bad usage; 3 an internal error in some
    bundle.
    """
    from checker.batch import Options
    from checker.commands import batch as command

    options = Options(standards=standards, as_of=as_of.isoformat() if as_of else None, policy_dirs=tuple(str(p) for p in policy_dirs),
                      config_file=str(config_file) if config_file else None, shipped=not no_shipped)
    return command.run(source, output, jobs=jobs or command.default_jobs(), engine=engine, master=master, options=options,
                       resume=resume, progress=progress, timeout=timeout)


@cli.command()
@click.option("--standard", "standards", multiple=True, default=("all",), show_default=True, metavar="ID",
              help="Only this standard. Repeatable.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@policies_option
@config_option
def policies(standards: tuple[str, ...], fmt: str, policy_dirs: tuple[Path, ...], config_file: Path | None) -> int:
    """List the policies: id, clause, obligation, scope and how each is verified."""
    from checker.commands import policies as command

    return command.run(standards=standards, fmt=fmt, policy_dirs=policy_dirs, config_file=config_file)


@cli.group()
def profile() -> None:
    """Inspect profiles: what a profile selects, changes and declares not applicable."""


@profile.command(name="list")
def profile_list() -> int:
    """List the shipped profiles: name, title and file."""
    from checker.commands import profile as command

    return command.list_shipped()


@profile.command(name="show")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--standard", "standards", multiple=True, default=("all",), show_default=True, metavar="ID",
              help="Narrow further to this standard, as `check --standard` does. Repeatable.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@policies_option
@config_option
@click.option("--no-shipped-policies", "no_shipped", is_flag=True,
              help="Use only the --policies directories, not the shipped policies.")
def profile_show(file: Path, standards: tuple[str, ...], fmt: str, policy_dirs: tuple[Path, ...],
                 config_file: Path | None, no_shipped: bool) -> int:
    """Print the effective policy set of the profile FILE (a file, or a shipped profile's name): every policy
    with its parameters, each change with its reason (loosened ones flagged), what is excluded and what is
    declared not applicable.

    \b
    Exit codes: 0 the profile is valid; 2 it is not (every problem at its line).
    """
    from checker.commands import profile as command

    return command.show(file, standards=standards, fmt=fmt, policy_dirs=policy_dirs, config_file=config_file,
                        shipped_policies=not no_shipped)


@cli.command()
@paths_argument
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Output format.")
@policies_option
@config_option
def lint(paths: tuple[Path, ...], fmt: str, policy_dirs: tuple[Path, ...], config_file: Path | None) -> int:
    """Validate policy files: schema, ids, clause inventory, JSONPaths, parameters, interpretations, items.

    \b
    PATH is a policy file, a policy root, a standard directory or an
    INTERPRETATIONS.yaml (default: the directories in ecs-check.yaml and
    --policies, else ./policies). Prints FILE:LINE:COL: CODE message per
    problem. Exit codes: 0 clean, 1 problems found, 2 bad usage.
    """
    from checker.commands import lint as command

    return command.run(paths, fmt=fmt, policy_dirs=policy_dirs, config_file=config_file)


@cli.command()
@paths_argument
@click.option("--check", "check_only", is_flag=True,
              help="Change nothing; list the files that would change and exit 1 if there are any.")
@config_option
def fmt(paths: tuple[Path, ...], check_only: bool, config_file: Path | None) -> int:
    """Rewrite policy and test case files in canonical key order and indentation.

    \b
    Comments, quoting and Chinese text are kept as written. Formatting is
    idempotent. Exit codes: 0 nothing (left) to change, 1 files would
    change (--check), 2 bad usage or a file that is not valid YAML.
    """
    from checker.commands import fmt as command

    return command.run(paths, check=check_only, config_file=config_file)


@cli.command()
@paths_argument
@click.option("--check", "check_only", is_flag=True,
              help="Change nothing; list the policies that would be pinned and exit 1 if there are any.")
@config_option
def pin(paths: tuple[Path, ...], check_only: bool, config_file: Path | None) -> int:
    """Pin each policy's quoted text: add text.sha256 where it is missing.

    \b
    A quote is pinned only if it occurs verbatim in the shipped text of its
    standard; a pin that differs from the quote is never replaced (re-read
    the clause and change it by hand). PATH as for lint. Exit codes: 0 all
    quotes pinned, 1 a quote could not be pinned (or --check found one to
    pin), 2 bad usage or a file that is not a policy.
    """
    from checker.commands import pin as command

    return command.run(paths, check=check_only, config_file=config_file)


@cli.command(name="test")
@paths_argument
@policies_option
@config_option
def test_command(paths: tuple[Path, ...], policy_dirs: tuple[Path, ...], config_file: Path | None) -> int:
    """Run the policies' test cases (the fixtures beside each policy).

    \b
    PATH is a policy, a case file, a policy root or a standard directory
    (default as for lint). Prints PASS or FAIL per case and a summary.
    Exit codes: 0 all passed, 1 a case failed or no case was found,
    2 bad usage or a policy that is not valid.
    """
    from checker.commands import test as command

    return command.run(paths, policy_dirs=policy_dirs, config_file=config_file)


@cli.command()
@click.argument("policy", required=False, metavar="[POLICY]")
@click.option("--bundle", "bundle_path", type=click.Path(path_type=Path), metavar="BUNDLE",
              help="Also evaluate POLICY against this bundle and show the trace: each check, the values read "
                   "(with file:line), the comparisons made and the records that decided it.")
@click.option("--grade", "grade_bundle", type=click.Path(path_type=Path), metavar="BUNDLE",
              help="Explain the NJ-ECCS grade of this bundle instead: every Table B.1 row's level and points, "
                   "the sums and the band.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--lang", type=click.Choice(["both", "zh", "en"]), default="both", show_default=True,
              help="Language of the explanation (both: Chinese first).")
@policies_option
@config_option
@click.option("--no-shipped-policies", "no_shipped", is_flag=True,
              help="Use only the --policies directories, not the shipped policies.")
@click.option("--as-of", type=DATE, help="Evaluation date for --bundle or --grade (default: the bundle's).")
@click.option("--keep", type=click.IntRange(min=0), default=20, show_default=True,
              help="Records shown per verdict that did not decide the outcome (every failing or undecided one is shown).")
def explain(policy: str | None, bundle_path: Path | None, grade_bundle: Path | None, fmt: str, lang: str,
            policy_dirs: tuple[Path, ...], config_file: Path | None, no_shipped: bool, as_of: dt.date | None,
            keep: int) -> int:
    """Explain a policy: the clause, the standard's words, evidence, parameters, interpretations, how to fix.

    \b
    POLICY is a policy id (db33-t-2039-2017/7.5.1.2), a citation
    ("DB33/T 2039-2017 7.5.1.2") or a clause number only one policy has.
    With --bundle, also how the engine evaluated it against that bundle.
    With --grade BUNDLE (and no POLICY), how the NJ-ECCS grade adds up.
    Exit codes: 0 explained, 2 unknown policy, unusable input or bad usage.
    """
    from checker.commands import explain as command

    if grade_bundle is not None and (policy is not None or bundle_path is not None):
        raise click.UsageError("--grade BUNDLE explains the grade; give it without POLICY and --bundle")
    if grade_bundle is None and policy is None:
        raise click.UsageError("name a POLICY to explain, or use --grade BUNDLE")
    return command.run(policy, bundle_path=bundle_path, grade_bundle=grade_bundle, fmt=fmt, lang=lang,
                       policy_dirs=policy_dirs, config_file=config_file, shipped_policies=not no_shipped, as_of=as_of,
                       keep=keep)


@cli.command()
@click.argument("old", type=click.Path(path_type=Path), metavar="OLD.json")
@click.argument("new", type=click.Path(path_type=Path), metavar="NEW.json")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
@click.option("--lang", type=click.Choice(["both", "zh", "en"]), default="both", show_default=True,
              help="Language of titles, messages and headings (both: Chinese first).")
def diff(old: Path, new: Path, fmt: str, lang: str) -> int:
    """Compare two JSON reports (check --format json): new failures, fixed, still failing, status and grade changes.

    \b
    Findings are matched by policy id and item, never by position. A failing
    finding is a new failure when it was absent, was not failing, fails in
    another way, or rests on different evidence (evidence_digest). Exit
    codes: 0 no new failure, 1 new failures (for CI gates), 2 a file that is
    not a JSON report of schema 1.x.
    """
    from checker.commands import diff as command

    return command.run(old, new, fmt=fmt, lang=lang)


@cli.command()
@click.argument("name", type=click.Choice(["bundle", "policy", "findings", "scoring", "profile", "waivers"]))
def schema(name: str) -> int:
    """Print the JSON Schema of a bundle, a policy file, the JSON findings, the NJ-ECCS scoring model, a profile or a waivers file."""
    from checker.commands import schema as command

    return command.run(name)


@cli.command()
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the skeleton to this file instead of standard output (refuses to overwrite).")
def template(output: Path | None) -> int:
    """Write a complete, commented evidence bundle skeleton to fill in."""
    from checker.commands import template as command

    return command.run(output)


def _report_problems(err: Any) -> None:
    for problem in err.problems:
        click.echo(f"ecs-check: error: {problem.render()}", err=True)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args or bool(os.environ.get("ECS_CHECK_DEBUG"))
    from checker.errors import CheckerError

    try:
        result = cli.main(args=args, prog_name="ecs-check", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code or 0)
    except click.UsageError as exc:
        exc.show()
        return EXIT_INPUT
    except click.ClickException as exc:
        exc.show()
        return EXIT_INPUT
    except click.Abort:
        click.echo("ecs-check: aborted", err=True)
        return EXIT_INPUT
    except CheckerError as err:
        _report_problems(err)
        return EXIT_INPUT
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:
        if debug:
            raise
        click.echo(f"ecs-check: internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)", err=True)
        return EXIT_INTERNAL
    return result if isinstance(result, int) else EXIT_OK
