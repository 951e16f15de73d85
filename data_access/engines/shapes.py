"""A compile cache for DuckDB: SQL per expression *shape*, the filter values bound.

Compiling an Ibis expression to SQL (Ibis' rewrites, then sqlglot) costs a fixed 10-60 ms
a report, as much as running it on the rollups. Two renders of a page differ mostly in
their filter values: the principal's numbers, the dates, the codes, an HTS prefix. So
each value a predicate compares with (`=`, `<`, `>=`, ..., `IN (...)`, `starts_with`)
is a placeholder in the expression's shape, and the shape's SQL is compiled once with
`$p0, $p1, ...` where the values were. Later expressions of the same shape run that SQL
with their own values as bound parameters (DuckDB prunes files and row groups on bound
values as on literals: benchmarks/README.md).

An in-memory table (`ibis.memtable`: a report's spine of months, a list of codes) is a
placeholder too: Ibis names each one afresh, so a name in the shape would never repeat.
Its columns are part of the shape; its rows are registered under the placeholder's name
for the one query that reads them (`DuckDBEngine.to_polars`), and unregistered after.

The shape's key is computed in one walk over the expression's graph, without building a
new expression: rebuilding one (Ibis validates every node) cost as much again as the
query on the rollups. Only on a miss is the expression rebuilt with placeholders and
compiled.

Only literals of text, dates and integers directly under a predicate are bound; any
other literal stays in the SQL, so it is part of the shape.

The very expression asked again (a report remembers its expression per principal and
filters: `reports.base.remembered`) skips even the walk: its SQL, values and in-memory
tables are kept by the expression's node (`CompiledShapes.prepared`), whose hash Ibis
computed when it built the node.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import ibis.expr.datatypes as dt
import ibis.expr.operations as ops
from ibis.common.graph import Node

if TYPE_CHECKING:
    import ibis.backends.duckdb
    import ibis.expr.types as ir

MAX_SHAPES = 1024  # compiled statements kept (a page asks for 5-20 shapes)
MAX_PREPARED = 256  # expressions kept with their statement and values (one a report asked)
_TOKEN = "__itrac_param_{}__"
MEMTABLE = "__itrac_memtable_{}__"  # the name an in-memory table is registered under
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


@dataclass(frozen=True)
class Shape:
    """An expression's shape: `key` (equal for expressions that differ only in bound
    values and in-memory tables' rows), the values by parameter name (p0, p1, ...), and
    the in-memory tables by the name each is registered under."""

    op: ops.Node
    key: tuple
    literals: dict[ops.Literal, str]
    memtables: dict[ops.InMemoryTable, str]

    @property
    def values(self) -> dict[str, object]:
        return {name: literal.value for literal, name in self.literals.items()}

    def placeheld(self, *, literals: bool = True) -> ops.Node:
        """The expression with placeholders: tokens for the bound values (`literals`),
        the registered names for the in-memory tables."""
        mapping: dict[ops.Node, ops.Node] = {
            table: table.copy(name=name) for table, name in self.memtables.items()
        }
        if literals:
            for literal, name in self.literals.items():
                token = ops.Literal(_TOKEN.format(name[1:]), dt.string)
                mapping[literal] = ops.Cast(token, literal.dtype)  # typed wherever used
        return self.op.replace(mapping) if mapping else self.op


def shape(expr: ir.Table) -> Shape:
    """`expr`'s shape (module docstring), in one walk over its graph."""
    op = expr.op()
    order = _topological(op)
    literals: dict[ops.Literal, str] = {}
    memtables: dict[ops.InMemoryTable, str] = {}
    for node in order:
        if isinstance(node, ops.InMemoryTable):
            memtables.setdefault(node, MEMTABLE.format(len(memtables)))
        elif isinstance(node, _PREDICATES):
            for arg in node.__children__:
                if bindable(arg) and arg not in literals:
                    literals[arg] = f"p{len(literals)}"
    # The key lists every node once, in `order`, each naming its children by their place
    # in the list: nested keys would repeat a shared subtree under every node reading it
    # (a column names its table), which grows exponentially with the joins.
    places = {node: (_REF, place) for place, node in enumerate(order)}
    keys = []
    for node in order:
        if node in literals:
            keys.append(("$", literals[node], node.dtype))
        elif node in memtables:
            keys.append(("@", memtables[node], node.schema))
        else:
            keys.append((type(node), tuple(_arg_key(arg, places) for arg in node.__args__)))
    return Shape(op, tuple(keys), literals, memtables)  # type: ignore[arg-type]


def _topological(root: Node) -> list[Node]:
    """Every node under `root` once, each after all of its children."""
    seen: set[Node] = set()
    order: list[Node] = []
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
        elif node not in seen:
            seen.add(node)
            stack.append((node, True))
            stack.extend((child, False) for child in node.__children__ if child not in seen)
    return order


_REF = object()  # marks a child's place in a key (never equal to a value in the graph)
_MAP = object()  # marks a mapping's items in a key


def _arg_key(value: object, places: dict[Node, tuple[object, int]]) -> object:
    if isinstance(value, Node):
        return places[value]
    if isinstance(value, tuple | list):
        return tuple(_arg_key(item, places) for item in value)
    if isinstance(value, Mapping):
        return (_MAP, tuple((name, _arg_key(item, places)) for name, item in value.items()))
    return value


Compiled = tuple[str, dict[str, object], dict[str, ops.InMemoryTable]]


class CompiledShapes:
    """SQL text per shape, shared by the threads of one engine (least recently used out)."""

    def __init__(self, size: int = MAX_SHAPES, prepared: int = MAX_PREPARED) -> None:
        self._sql: OrderedDict[tuple, str] = OrderedDict()
        self._prepared: OrderedDict[ops.Node, Compiled] = OrderedDict()
        self._size, self._prepared_size = size, prepared
        self._lock = threading.Lock()
        self.hits = self.misses = self.prepared_hits = 0

    def sql(self, backend: ibis.backends.duckdb.Backend, expr: ir.Table) -> Compiled:
        """The SQL of `expr` with `$name` parameters, their values, and the in-memory
        tables it reads by the name to register each under."""
        op = expr.op()
        with self._lock:
            compiled = self._prepared.get(op)
            if compiled is not None:
                self._prepared.move_to_end(op)
                self.prepared_hits += 1
                return compiled
        compiled = self._compiled(backend, expr)
        with self._lock:
            self._prepared[op] = compiled
            if len(self._prepared) > self._prepared_size:
                self._prepared.popitem(last=False)
        return compiled

    def _compiled(self, backend: ibis.backends.duckdb.Backend, expr: ir.Table) -> Compiled:
        shaped = shape(expr)
        tables = {name: table for table, name in shaped.memtables.items()}
        with self._lock:
            text = self._sql.get(shaped.key)
            if text is not None:
                self._sql.move_to_end(shaped.key)
                self.hits += 1
                return text, shaped.values, tables
        text = backend.compile(shaped.placeheld().to_expr())
        values = shaped.values
        for name in values:
            quoted = f"'{_TOKEN.format(name[1:])}'"
            if quoted not in text:  # compiled in a form we cannot bind: keep the literals
                return backend.compile(shaped.placeheld(literals=False).to_expr()), {}, tables
            text = text.replace(quoted, f"${name}")
        with self._lock:
            self.misses += 1
            self._sql[shaped.key] = text
            if len(self._sql) > self._size:
                self._sql.popitem(last=False)
        return text, values, tables
