"""Reading a family's config.json: typed fields, defaults, and one clear
error (naming the field) for a missing, unknown, mistyped or inconsistent
field."""

import json
import math
from typing import Any, Dict, Iterable, Optional


class ConfigError(ValueError):
    """A bad config: the message names the field."""


class Config:
    """The fields of one config.json. `known` lists every field the family's
    configuration class has; a field outside it is an error (a typo, or a
    config of another family). Read the fields the block needs with
    `integer`, `number`, `boolean` and `text`."""

    def __init__(self, fields: Dict[str, Any], family: str,
                 known: Iterable[str]):
        if not isinstance(fields, dict):
            raise ConfigError(f"{family} config: expected a JSON object")
        self.fields = fields
        self.family = family
        unknown = sorted(set(fields) - set(known))
        if unknown:
            raise ConfigError(f"{family} config: unknown field "
                              f"'{unknown[0]}'")

    @classmethod
    def load(cls, path: str, family: str, known: Iterable[str]) -> "Config":
        try:
            with open(path) as f:
                fields = json.load(f)
        except OSError as error:
            raise ConfigError(f"{path}: {error.strerror}") from None
        except json.JSONDecodeError as error:
            raise ConfigError(f"{path}: not JSON ({error})") from None
        return cls(fields, family, known)

    def _get(self, name: str, default: Any) -> Any:
        if name in self.fields:
            return self.fields[name]
        if default is None:
            raise ConfigError(f"{self.family} config: missing field "
                              f"'{name}'")
        return default

    def fail(self, name: str, why: str) -> ConfigError:
        return ConfigError(f"{self.family} config: field '{name}' {why}")

    def integer(self, name: str, default: Optional[int] = None,
                minimum: int = 1) -> int:
        value = self._get(name, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(name, f"must be an integer, got {value!r}")
        if value < minimum:
            raise self.fail(name, f"must be >= {minimum}, got {value}")
        return value

    def number(self, name: str, default: Optional[float] = None,
               positive: bool = True) -> float:
        value = self._get(name, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not math.isfinite(value):
            raise self.fail(name, f"must be a finite number, got {value!r}")
        if positive and value <= 0:
            raise self.fail(name, f"must be > 0, got {value}")
        return float(value)

    def boolean(self, name: str, default: Optional[bool] = None) -> bool:
        value = self._get(name, default)
        if not isinstance(value, bool):
            raise self.fail(name, f"must be true or false, got {value!r}")
        return value

    def text(self, name: str, default: Optional[str] = None) -> str:
        value = self._get(name, default)
        if not isinstance(value, str):
            raise self.fail(name, f"must be a string, got {value!r}")
        return value
