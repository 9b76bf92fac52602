"""Filters as LangGraph's InMemoryStore applies them, and the text Engram indexes for an item."""

from typing import Any

_OPERATORS = {"$eq", "$ne", "$gt", "$gte", "$lt", "$lte"}


def matches_filter(value: dict[str, Any], filter_: dict[str, Any] | None) -> bool:
    return all(_compare(value.get(field), wanted) for field, wanted in (filter_ or {}).items())


def _compare(actual: Any, wanted: Any) -> bool:
    if isinstance(wanted, dict):
        if any(key.startswith("$") for key in wanted):
            return all(_apply(actual, op, operand) for op, operand in wanted.items())
        return isinstance(actual, dict) and all(_compare(actual.get(k), v) for k, v in wanted.items())
    if isinstance(wanted, (list, tuple)):
        return (
            isinstance(actual, (list, tuple))
            and len(actual) == len(wanted)
            and all(_compare(a, w) for a, w in zip(actual, wanted, strict=True))
        )
    return actual == wanted


def _apply(actual: Any, op: str, operand: Any) -> bool:
    if op not in _OPERATORS:
        raise ValueError(f"Unsupported operator: {op}")
    if op == "$eq":
        return actual == operand
    if op == "$ne":
        return actual != operand
    left, right = float(actual), float(operand)
    return {"$gt": left > right, "$gte": left >= right, "$lt": left < right, "$lte": left <= right}[op]


def server_filter_of(filter_: dict[str, Any] | None) -> dict[str, Any]:
    """The scalar equalities, which Engram's metadata containment applies exactly; the rest is applied here."""
    equal: dict[str, Any] = {}
    for field, wanted in (filter_ or {}).items():
        if isinstance(wanted, dict) and set(wanted) == {"$eq"}:
            wanted = wanted["$eq"]
        if isinstance(wanted, (str, bool, int, float)):
            equal[field] = wanted
    return equal


def content_of(namespace: tuple[str, ...], key: str, value: dict[str, Any]) -> str:
    """The namespace, key and the value's leaves: what search finds, and what the write guard accepts."""
    leaves: list[str] = []

    def walk(path: str, node: Any) -> None:
        if isinstance(node, dict):
            for name, child in node.items():
                walk(f"{path}.{name}" if path else str(name), child)
        elif isinstance(node, (list, tuple)):
            for index, child in enumerate(node):
                walk(f"{path}.{index}", child)
        elif node is not None:
            leaves.append(f"{path}: {node}")

    walk("", value)
    return "\n".join([f"{' / '.join(namespace)} / {key}", *leaves])[:50_000]


def from_json(node: Any) -> Any:
    """A Struct's numbers are doubles: whole ones come back as ints, as they were written."""
    if isinstance(node, float) and node.is_integer():
        return int(node)
    if isinstance(node, dict):
        return {k: from_json(v) for k, v in node.items()}
    if isinstance(node, list):
        return [from_json(v) for v in node]
    return node
