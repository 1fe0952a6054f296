"""Child Python processes (kernels, batch workers, Voilà) that never import from the user's folders.

`python -m X`, `python -c ...` and IPython kernels put the working folder first on sys.path, so a
`yaml.py` or `numpy.py` lying next to someone's inputs file would run in the kernel with their
rights. Children therefore start in a private empty folder, with PYTHONSAFEPATH=1 (Python 3.11+
then adds neither the working folder nor the script's folder, and IPython honours the flag), and
with no PYTHONPATH entry that names "the current folder" (an empty or relative entry).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

SAFE_PATH_VARIABLE = "PYTHONSAFEPATH"


def child_environment(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """`base` (default: this process's environment) made safe for a child Python process."""
    env = dict(os.environ if base is None else base)
    env[SAFE_PATH_VARIABLE] = "1"
    python_path = env.get("PYTHONPATH")
    if python_path is not None:
        # "" and "." mean whatever folder the child runs in; an absolute entry is the user's choice.
        kept = [entry for entry in python_path.split(os.pathsep) if entry and os.path.isabs(entry)]
        if kept:
            env["PYTHONPATH"] = os.pathsep.join(kept)
        else:
            del env["PYTHONPATH"]
    return env


def neutral_folder(prefix: str) -> Path:
    """A fresh folder only this user can read (mode 0700), to start a child process in."""
    return Path(tempfile.mkdtemp(prefix=prefix))


@contextlib.contextmanager
def safe_spawn_environment() -> Iterator[None]:
    """For the duration, children that inherit os.environ (multiprocessing's spawn) get a safe one.

    multiprocessing starts workers with `python -c ...` in the current folder and takes no env
    argument, so the variables are set here and put back as they were.
    """
    saved = {key: os.environ.get(key) for key in (SAFE_PATH_VARIABLE, "PYTHONPATH")}
    safe = child_environment()
    try:
        for key in saved:
            if key in safe:
                os.environ[key] = safe[key]
            else:
                os.environ.pop(key, None)
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
