"""Use cases the command line and the form both call: generate a plan, regenerate it after its
inputs changed, add or resolve a review round, approve, set the status, update.

Every use case that writes holds the plan folder's lock from the moment it reads what it will
change until its files are installed (see techplan_nb.plan_folder), so two commands on one
folder never lose each other's change. Domain rules raise errors naming fields (FieldError);
the command line maps a field to its option name.
"""

from __future__ import annotations

from .errors import FieldError

__all__ = ["FieldError"]
