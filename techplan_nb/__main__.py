import os
import sys

# `python -m techplan_nb` put the working folder first on sys.path, so a yaml.py there would be
# imported instead of PyYAML (and batch workers inherit this sys.path). The package is already
# imported by now; the folder stays only when the package itself was found there (a checkout).
if sys.path and sys.path[0] and os.path.abspath(sys.path[0]) == os.getcwd() and \
        os.path.dirname(os.path.dirname(os.path.abspath(__file__))) != os.getcwd():
    del sys.path[0]

from .cli.main import main  # noqa: E402

sys.exit(main())
