"""The lake spec: which datasets exist, their key layouts, and the rules for gaps and tasks."""

from .load import DEFAULT_SPEC, default_spec_path, load_spec, parse_spec
from .model import ContentRule, Dataset, PriorityRule, Spec, TaskRules
from .template import KeyTemplate, TemplateError

__all__ = [
    "DEFAULT_SPEC",
    "ContentRule",
    "Dataset",
    "KeyTemplate",
    "PriorityRule",
    "Spec",
    "TaskRules",
    "TemplateError",
    "default_spec_path",
    "load_spec",
    "parse_spec",
]
