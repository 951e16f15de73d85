"""A compile cache for DuckDB: SQL per expression *shape*, the filter values bound.

Compiling an Ibis expression to SQL (Ibis' rewrites, then sqlglot) costs a fixed 10-60 ms
a report, as much as running it on the rollups. Two renders of a page differ mostly in
their filter values: the principal's numbers, the dates, the codes, an HTS prefix. So
each value a predicate compares with (`=`, `<`, `>=`, ..., `IN (...)`, `starts_with`)
is swapped for a placeholder, the expression with placeholders is the cache key, and its
SQL is compiled once with `$p0, $p1, ...` where the values were. Later expressions of
the same shape run that SQL with their own values as bound parameters (DuckDB prunes
files and row groups on bound values as on literals: benchmarks/README.md).

Only literals of text, dates and integers directly under a predicate are bound; any
other literal stays in the SQL, so it is part of the shape.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import date
from typing import TYPE_CHECKING

import ibis.expr.datatypes as dt
import ibis.expr.operations as ops

if TYPE_CHECKING:
    import ibis.backends.duckdb
    import ibis.expr.types as ir

MAX_SHAPES = 1024  # compiled statements kept (a page asks for 5-20 shapes)
_TOKEN = "__itrac_param_{}__"
_PREDICATES = (ops.Comparison, ops.InValues, ops.StartsWith)


def bindable(op: ops.Node) -> bool:
    if not isinstance(op, ops.Literal) or op.value is None:
        return False
    kind = op.dtype
    if kind.is_string():
        return isinstance(op.value, str)
    if kind.is_date():
        return isinstance(op.value, date)
    return kind.is_integer() and isinstance(op.value, int) and not isinstance(op.value, bool)


def shape(expr: ir.Table) -> tuple[ops.Node, dict[str, object]]:
    """`expr` with the values its predicates compare with swapped for placeholders, and
    those values by parameter name (p0, p1, ... in the order the graph is walked)."""
    op = expr.op()
    literals: dict[ops.Node, str] = {}
    for predicate in op.find(_PREDICATES):
        for arg in predicate.__children__:
            if bindable(arg) and arg not in literals:
                literals[arg] = f"p{len(literals)}"
            elif isinstance(arg, tuple | list):
                for item in arg:
                    if bindable(item) and item not in literals:
                        literals[item] = f"p{len(literals)}"
    if not literals:
        return op, {}
    mapping = {}
    for literal, name in literals.items():
        token = ops.Literal(_TOKEN.format(name[1:]), dt.string)
        mapping[literal] = ops.Cast(token, literal.dtype)  # typed wherever it is used
    values = {name: literal.value for literal, name in literals.items()}
    return op.replace(mapping), values


class CompiledShapes:
    """SQL text per shape, shared by the threads of one engine (least recently used out)."""

    def __init__(self, size: int = MAX_SHAPES) -> None:
        self._sql: OrderedDict[ops.Node, str] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def sql(
        self, backend: ibis.backends.duckdb.Backend, expr: ir.Table
    ) -> tuple[str, dict[str, object]]:
        """The SQL of `expr` with `$name` parameters, and their values."""
        shaped, values = shape(expr)
        with self._lock:
            text = self._sql.get(shaped)
            if text is not None:
                self._sql.move_to_end(shaped)
                self.hits += 1
                return text, values
        text = backend.compile(shaped.to_expr())
        for name in values:
            quoted = f"'{_TOKEN.format(name[1:])}'"
            if quoted not in text:  # compiled in a form we cannot bind: keep the literals
                return backend.compile(expr), {}
            text = text.replace(quoted, f"${name}")
        with self._lock:
            self.misses += 1
            self._sql[shaped] = text
            if len(self._sql) > self._size:
                self._sql.popitem(last=False)
        return text, values
