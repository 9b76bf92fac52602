"""A namespace is one subject: its labels joined by "." (LangGraph forbids "." in labels)."""

from collections.abc import Iterable

from langgraph.store.base import ListNamespacesOp, MatchCondition


def subject_id_of(namespace: tuple[str, ...]) -> str:
    return ".".join(namespace)


def namespace_of(subject_id: str) -> tuple[str, ...]:
    return tuple(subject_id.split("."))


def labels_of(namespace: tuple[str, ...]) -> dict[str, str]:
    """{"0": "users", "1": "ana"}: what the metadata of every item under that prefix contains."""
    return {str(index): label for index, label in enumerate(namespace)}


def select_namespaces(all_namespaces: Iterable[tuple[str, ...]], op: ListNamespacesOp) -> list[tuple[str, ...]]:
    """list_namespaces as LangGraph's InMemoryStore answers it, over the namespaces that hold items."""
    namespaces = [
        ns for ns in all_namespaces if all(_matches(condition, ns) for condition in op.match_conditions or ())
    ]
    if op.max_depth is not None:
        namespaces = sorted({ns[: op.max_depth] for ns in namespaces})
    else:
        namespaces = sorted(set(namespaces))
    return namespaces[op.offset : op.offset + op.limit]


def _matches(condition: MatchCondition, namespace: tuple[str, ...]) -> bool:
    path = tuple(condition.path)
    if len(path) > len(namespace):
        return False
    part = namespace[: len(path)] if condition.match_type == "prefix" else namespace[len(namespace) - len(path) :]
    return all(label == "*" or label == actual for label, actual in zip(path, part, strict=True))
