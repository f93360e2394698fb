"""Where this machine's checkout of the project is, for the Prefect workers that run its flows.

`prefect.yaml`'s pull step is the first thing a flow run does on a worker: it must move into the
worker's own checkout, so that the entrypoint (`flows/collect.py:collect`) is found. A path
templated into the deployment (`{{ $ESGFLOW_PROJECT_DIR }}`) is resolved once, on the machine
that runs `prefect deploy`, and then every worker would look for the deploying machine's folder
(and whoever deployed last would choose it for all). This step is resolved on the worker, when
the run starts: `ESGFLOW_PROJECT_DIR` in the worker's environment if set, else the checkout that
the installed esgflow package comes from (`pip install -e .`), else the folder the worker was
started in. A process worker runs each flow in a temporary folder of its own, with the worker's
environment: the folder the worker was started in is then known only from the shell's `PWD`,
which a service manager does not set, so the README's worker block sets `ESGFLOW_PROJECT_DIR`.
"""

from __future__ import annotations

import os
from pathlib import Path

from esgflow import EsgflowError

MARKER = "prefect.yaml"  # a checkout of this project has it at its top


def _is_checkout(path: Path) -> bool:
    return (path / MARKER).is_file() and (path / "flows").is_dir()


def project_dir(env: dict[str, str] | None = None, cwd: Path | None = None) -> Path:
    """This machine's checkout: ESGFLOW_PROJECT_DIR, else the installed package's, else the working folder."""
    env = dict(os.environ) if env is None else env
    given = env.get("ESGFLOW_PROJECT_DIR")
    if given:
        path = Path(given).expanduser().resolve()
        if not _is_checkout(path):
            raise EsgflowError(
                f"ESGFLOW_PROJECT_DIR on this worker is {path}, which is not a checkout of esgflow "
                f"(no {MARKER} and flows/ there): set it to this machine's own checkout, or unset it"
            )
        return path
    installed = Path(__file__).resolve().parents[1]  # an editable install points into the checkout
    started_in = [Path(env["PWD"])] if env.get("PWD") else []
    for candidate in (installed, *started_in, (cwd or Path.cwd()).resolve()):
        if _is_checkout(candidate):
            return candidate.resolve()
    raise EsgflowError(
        "cannot find this worker's checkout of esgflow: start the worker in it, "
        "or set ESGFLOW_PROJECT_DIR in the worker's environment"
    )


def use_own_checkout() -> dict[str, str]:
    """Prefect pull step: move into this worker's checkout before the flow's entrypoint is loaded."""
    directory = project_dir()
    os.chdir(directory)
    return {"directory": str(directory)}
