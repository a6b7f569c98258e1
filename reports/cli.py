"""The ``engagekit`` command: one entry point for instruments, analysis and reports.

Exit codes: 0 success, 2 bad input (the message names the file, line or field and what to do),
1 internal error (a bug: please report it; set ENGAGEKIT_DEBUG=1 for the traceback).
"""

from __future__ import annotations

import os

# engagekit's matrices are small (tens of items); multi-threaded BLAS only adds overhead and
# oversubscribes the cores that the bootstrap's worker processes use. Set before numpy loads.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import sys  # noqa: E402
import traceback  # noqa: E402

import click  # noqa: E402

from analysis.cli import responses_cli, simulate_cmd  # noqa: E402
from analysis.power_cli import power_cmd  # noqa: E402
from analysis.psychometrics.items import PsychometricInputError  # noqa: E402
from analysis.sem import SEMInputError  # noqa: E402
from analysis.structural.drivers import DriverInputError  # noqa: E402
from analysis.structural.effects import EffectsInputError  # noqa: E402
from analysis.structural.regression import RegressionInputError  # noqa: E402
from instruments.cli import instruments_cli  # noqa: E402
from instruments.errors import EngagekitInputError  # noqa: E402
from instruments.survey_cli import survey_cmd, translations_cli  # noqa: E402
from reports.study_cli import COMMANDS as STUDY_COMMANDS  # noqa: E402

#: Problems with the user's data or model: reported in one paragraph, exit code 2.
INPUT_ERRORS = (EngagekitInputError, SEMInputError, PsychometricInputError, DriverInputError,
                RegressionInputError, EffectsInputError)

try:
    from importlib.metadata import version as _version

    __version__ = _version("engagekit")
except Exception:  # pragma: no cover - running from a source tree without installing
    __version__ = "unknown"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="engagekit")
def cli() -> None:
    """engagekit: from questionnaire definitions to validated scales, commitment effects and a
    report."""


cli.add_command(instruments_cli)
cli.add_command(responses_cli)
cli.add_command(simulate_cmd)
cli.add_command(survey_cmd)
cli.add_command(translations_cli)
cli.add_command(power_cmd)
for _cmd in STUDY_COMMANDS:
    cli.add_command(_cmd)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns (and exits with) 0, 1 or 2."""
    try:
        cli.main(args=argv, prog_name="engagekit", standalone_mode=False)
        code = 0
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        code = 1
    except click.ClickException as e:
        e.show()
        code = e.exit_code
    except click.exceptions.Exit as e:
        code = e.exit_code
    except INPUT_ERRORS as e:
        click.echo(f"error: {e}", err=True)
        code = 2
    except Exception as e:  # noqa: BLE001 - the last line of defence of the CLI
        if os.environ.get("ENGAGEKIT_DEBUG"):
            traceback.print_exc()
        click.echo(f"internal error: {type(e).__name__}: {e}\nThis is a bug in engagekit; please "
                   "report it with the command you ran (set ENGAGEKIT_DEBUG=1 for details).",
                   err=True)
        code = 1
    if argv is None:
        sys.exit(code)
    return code


if __name__ == "__main__":  # pragma: no cover
    main()
