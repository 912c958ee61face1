"""Command line: parse options, dispatch to checker.commands, map outcomes to exit codes.

Exit codes: 0 compliant (no fail, insufficient_evidence or error finding),
1 findings that fail, 2 unusable input or usage, 3 internal error.
Heavy modules are imported by the commands themselves, only when run, so
`--help` and `--version` stay close to the interpreter's own start-up.
"""

from __future__ import annotations

import datetime as dt
import os
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


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", "-V", prog_name="ecs-check", message="%(prog)s %(version)s")
@click.option("--debug", is_flag=True, envvar="ECS_CHECK_DEBUG", help="Show tracebacks for internal errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Check e-commerce customer service evidence against DB33/T 2039-2017 and NJ-ECCS.

    \b
    Exit codes: 0 no failing finding; 1 a finding is fail, insufficient_evidence
    or error; 2 unusable input or usage; 3 internal error.
    """
    ctx.obj = {"debug": debug}


@cli.command()
@click.argument("bundle", type=click.Path(path_type=Path))
@click.option("--standard", "standards", multiple=True, default=("all",), show_default=True, metavar="ID",
              help="Standard to check: 'DB33/T 2039-2017', 'NJ-ECCS', a policy directory name, or 'all'. Repeatable.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Output format.")
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the report to this file (atomically) instead of standard output.")
@click.option("--policies", "policy_dirs", multiple=True, type=click.Path(path_type=Path, file_okay=False),
              metavar="DIR", help="Extra policy directory; adds or overrides shipped policies by id. Repeatable.")
@click.option("--as-of", type=DATE, help="Evaluation date (default: the bundle's as_of, else its period end).")
@click.option("--lang", type=click.Choice(["both", "zh", "en"]), default="both", show_default=True,
              help="Language of the text report.")
@click.option("--color/--no-color", default=None, help="Colour the text report (default: only on a terminal, unless NO_COLOR is set).")
@click.option("--max-bundle-bytes", type=click.IntRange(min=1), default=256 * 1024 * 1024, show_default=True,
              help="Refuse bundle files larger than this, before parsing.")
@click.option("--max-attachment-bytes", type=click.IntRange(min=1), default=64 * 1024 * 1024, show_default=True,
              help="Do not read attachments larger than this; evidence resting on one is insufficient.")
@click.pass_context
def check(ctx: click.Context, bundle: Path, standards: tuple[str, ...], fmt: str, output: Path | None,
          policy_dirs: tuple[Path, ...], as_of: dt.date | None, lang: str, color: bool | None,
          max_bundle_bytes: int, max_attachment_bytes: int) -> int:
    """Evaluate an evidence BUNDLE (file or directory) and report a finding per clause."""
    from checker.commands import check as command

    if color is None:
        color = output is None and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    return command.run(
        bundle, standards=standards, fmt=fmt, output=output, policy_dirs=policy_dirs, as_of=as_of,
        options={"lang": lang, "color": color}, max_bundle_bytes=max_bundle_bytes,
        max_attachment_bytes=max_attachment_bytes, debug=ctx.obj["debug"],
    )


@cli.command()
@click.option("--standard", "standards", multiple=True, default=("all",), show_default=True, metavar="ID",
              help="Only this standard. Repeatable.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--policies", "policy_dirs", multiple=True, type=click.Path(path_type=Path, file_okay=False),
              metavar="DIR", help="Extra policy directory. Repeatable.")
def policies(standards: tuple[str, ...], fmt: str, policy_dirs: tuple[Path, ...]) -> int:
    """List the policies: id, clause, obligation, scope and how each is verified."""
    from checker.commands import policies as command

    return command.run(standards=standards, fmt=fmt, policy_dirs=policy_dirs)


@cli.command()
@click.argument("name", type=click.Choice(["bundle", "policy", "findings"]))
def schema(name: str) -> int:
    """Print the JSON Schema of a bundle, a policy file or the JSON findings."""
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
