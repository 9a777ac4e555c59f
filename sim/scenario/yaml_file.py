"""Strict YAML reading: a safe loader on which a duplicate key is an error, and every failure to read
a scenario (or experiment) file is a one-line :class:`ScenarioError` naming the file."""

from __future__ import annotations

from pathlib import Path

import yaml

from ..errors import ScenarioError, read_user_text


class _UniqueKeyLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False):
    mapping: dict = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, f"unhashable key {key!r}", key_node.start_mark) from None
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark)
        mapping[key] = loader.construct_object(value_node, deep=deep)
    return mapping


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_yaml_mapping(path: Path, what: str = "scenario") -> dict:
    """Read a YAML file that must hold a mapping; every failure is a one-line :class:`ScenarioError`."""
    _, text = read_user_text(path, what, f"YAML {what}", ScenarioError)
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScenarioError(str(path), message=f"{path}: invalid YAML{where}: {problem}; expected a YAML mapping of {what} keys") from None
    if data is None:
        raise ScenarioError(str(path), message=f"{path}: empty file; expected a YAML mapping of {what} keys")
    if not isinstance(data, dict):
        raise ScenarioError(str(path), message=(
            f"{path}: top level is a {type(data).__name__}; expected a mapping of {what} keys"))
    return data
