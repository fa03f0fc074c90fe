"""The GitHub Actions expression language (``${{ ... }}``), implemented by hand.

Behaviour follows the GitHub docs ("Evaluate expressions in workflows and actions") and the
reference implementation in ``actions/runner`` (``src/Sdk/Expressions``); nothing is passed
to Python's ``eval``.  The work is split over ``lexer`` (tokens), ``nodes`` (syntax tree),
``parser``, ``values`` (coercion, comparison, string/JSON output), ``operators`` (the tree
walk), ``functions`` (built-in functions), ``templates`` (finding ``${{ }}`` in text) and
``evaluate`` (the entry points re-exported here).  ``check`` holds the workflow loader's
load-time checks of expressions.

Typical use::

    node = parse_expression("matrix.os == 'linux'")   # at load time: syntax errors early
    referenced_contexts(node)                          # {'matrix'}
    evaluate_expression("${{ format('{0}-x', matrix.os) }}", {"matrix": {"os": "linux"}})
    evaluate_condition("failure()", contexts, status=TaskStatus(success=False, failure=True))
    render_template("echo ${{ github.ref }}", {"github": {"ref": "refs/heads/main"}})
"""

from scriptrunner.errors import ExpressionError
from scriptrunner.workflows.expressions.evaluate import (
    evaluate_condition,
    evaluate_expression,
    evaluate_node,
    parse_context_arg,
    parse_expression,
    render_template,
    value_to_string,
)
from scriptrunner.workflows.expressions.functions import TaskStatus
from scriptrunner.workflows.expressions.nodes import Node, referenced_contexts, uses_status_function
from scriptrunner.workflows.expressions.templates import find_expressions

__all__ = [
    "ExpressionError",
    "Node",
    "TaskStatus",
    "evaluate_condition",
    "evaluate_expression",
    "evaluate_node",
    "find_expressions",
    "parse_context_arg",
    "parse_expression",
    "referenced_contexts",
    "render_template",
    "uses_status_function",
    "value_to_string",
]
