"""techplan-nb: validated inputs in, a template-faithful Technical Plan out."""

__version__ = "0.1.0"
