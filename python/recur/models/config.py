"""Reading a family's config.json: typed fields, defaults, bounds
(limits.py), and one clear error (naming the field) for a missing,
unknown, mistyped, out-of-range or inconsistent field, or a file that is
not a JSON object in UTF-8.

A published config has fields beyond its configuration class's: what
saved it (`_name_or_path`, `transformers_version`), training settings,
flags of features left off. A field outside the class is ignored where it
cannot change the computation: one of NO_EFFECT, or a null or false (a
feature it names is off); every other one is an error, all of them in one
message. `Config.ignored` lists the ignored ones (`--verbose`)."""

import itertools
import json
import math
from typing import Any, Dict, Iterable, Optional

from . import limits

# The largest config.json read: published ones have a few KiB.
MAX_FILE_BYTES = 1 << 20

# An integer literal of more digits is beyond int64 and every bound; it is
# kept as a LongInteger, whose value is never computed (Python's int()
# refuses more than 4300 digits, and takes quadratic time below that).
MAX_DIGITS = 19


# Fields outside the configuration classes that never change the
# computation of a model: where it came from, training and initialization
# settings, kernel choices, token ids.
NO_EFFECT = frozenset((
    "_name_or_path", "_commit_hash", "_attn_implementation",
    "architectures", "auto_map", "transformers_version", "torch_dtype",
    "dtype", "use_cache", "bos_token_id", "eos_token_id", "pad_token_id",
    "initializer_range", "initializer_factor", "output_router_logits",
    "router_aux_loss_coef", "max_position_embeddings", "attention_dropout",
    "hidden_dropout", "dropout", "rescale_prenorm_residual",
    "residual_in_fp32", "use_mamba_kernels", "time_step_scale",
    "time_step_init_scheme", "time_step_min", "time_step_max",
    "time_step_floor", "tokenizer_class", "model_max_length",
    "fuse_cross_entropy", "fuse_swiglu", "fuse_norm", "chunk_size",
    "mamba_chunk_size", "num_logits_to_keep", "output_attentions",
    "output_hidden_states", "return_dict", "tie_word_embeddings",
))


class ConfigError(ValueError):
    """A bad config: the message names the field."""


class LongInteger:
    """A JSON integer of more than MAX_DIGITS digits, left unconverted."""

    def __init__(self, text: str):
        self.negative = text.startswith("-")
        self.digits = len(text) - self.negative

    def __repr__(self) -> str:
        sign = "a negative" if self.negative else "an"
        return f"{sign} integer of {self.digits} digits"


def _integer_literal(text: str):
    return LongInteger(text) if len(text.lstrip("-")) > MAX_DIGITS \
        else int(text)


def _compared(value):
    """A number or LongInteger as bounds compare it: a LongInteger (beyond
    every bound) as +-inf."""
    if isinstance(value, LongInteger):
        return -math.inf if value.negative else math.inf
    return value


def shown(value: Any, depth: int = 0) -> str:
    """`value` as a message shows it: JSON-like, on one line, cut short
    (a long string, a long or deeply nested list or object)."""
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, str):
        text = json.dumps(value[:40])
        return text if len(value) <= 40 else text[:-1] + '..."'
    if isinstance(value, (list, dict)):
        items = value.items() if isinstance(value, dict) else value
        if depth >= 2 and value:
            inner = "..."
        else:
            parts = [f"{shown(item[0])}: {shown(item[1], depth + 1)}"
                     if isinstance(value, dict) else shown(item, depth + 1)
                     for item in itertools.islice(items, 4)]
            inner = ", ".join(parts + (["..."] if len(value) > 4 else []))
        return f"{{{inner}}}" if isinstance(value, dict) else f"[{inner}]"
    if isinstance(value, int) and value.bit_length() > 64:
        # (A config built in Python: str() refuses more than 4300 digits.)
        sign = "a negative" if value < 0 else "an"
        return f"{sign} integer of {value.bit_length()} bits"
    if isinstance(value, (int, float)):
        return json.dumps(value)      # inf and nan as JSON's Infinity, NaN
    return repr(value)


def _printable(text: str) -> str:
    """A path for a message: escaped where it has odd characters."""
    return text if text.isprintable() else shown(text)


def _quoted(name: str) -> str:
    """A field's name for a message, in single quotes where it is short
    and printable."""
    return f"'{name}'" if name.isprintable() and len(name) <= 40 \
        else shown(name)


def read_json(path: str) -> Any:
    """The JSON value in the file at `path` (UTF-8, at most
    MAX_FILE_BYTES)."""
    where = _printable(path)
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise ConfigError(f"{where}: {error.strerror or error}") from None
    if len(data) > MAX_FILE_BYTES:
        raise ConfigError(f"{where}: larger than {MAX_FILE_BYTES} bytes "
                          "(not a config.json)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ConfigError(f"{where}: not UTF-8 text (byte "
                          f"0x{data[error.start]:02x} at offset "
                          f"{error.start})") from None
    try:
        return json.loads(text, parse_int=_integer_literal)
    except json.JSONDecodeError as error:
        raise ConfigError(f"{where}: not JSON ({error})") from None
    except RecursionError:
        raise ConfigError(f"{where}: not a config (JSON nested too "
                          "deeply)") from None


class Config:
    """The fields of one config.json. `known` lists every field the family's
    configuration class has; a field outside it is an error (a typo, or a
    config of another family). Read the fields the block needs with
    `integer`, `number`, `boolean` and `text`; a number must be within the
    field's bound (limits.py)."""

    def __init__(self, fields: Dict[str, Any], family: str,
                 known: Iterable[str], model_type: Optional[str] = None):
        if not isinstance(fields, dict):
            raise ConfigError(f"{family} config: expected a JSON object, "
                              f"got {shown(fields)}")
        self.fields = fields
        self.family = family
        # (field, why) of every field outside the class that is ignored.
        self.ignored = []
        # While collecting (`collect`): (field, why) of every value that is
        # not supported; else None, and such a value is an error at once.
        self.refused = None
        unknown = []
        for name in sorted(set(fields) - set(known)):
            value = fields[name]
            if name in NO_EFFECT:
                self.ignored.append((name, "has no effect on the model"))
            elif value is None or value is False:
                self.ignored.append((name, f"is {shown(value)}"))
            else:
                unknown.append(name)
        if unknown:
            names = ", ".join(_quoted(name) for name in unknown[:8])
            more = f" and {len(unknown) - 8} more" if len(unknown) > 8 \
                else ""
            plural = "s" if len(unknown) > 1 else ""
            raise ConfigError(
                f"{family} config: unknown field{plural} {names}{more} (not "
                "fields of the family's configuration class; a null or "
                "false would be ignored)")
        if model_type is not None and "model_type" in fields and \
                fields["model_type"] != model_type:
            raise self.fail("model_type", f"is {shown(fields['model_type'])}"
                            f", not the family's {shown(model_type)}")

    @classmethod
    def load(cls, path: str, family: str, known: Iterable[str],
             model_type: Optional[str] = None) -> "Config":
        return cls(read_json(path), family, known, model_type)

    def section(self, name: str, known: Iterable[str]) -> "Config":
        """The fields of the object in field `name`, each named
        `name.FIELD` (in messages and limits.py)."""
        if name not in self.fields:
            raise ConfigError(f"{self.family} config: missing field "
                              f"'{name}'")
        fields = self.fields[name]
        if not isinstance(fields, dict):
            raise self.fail(name, f"must be an object, got {shown(fields)}")
        section = Config({f"{name}.{key}": value
                          for key, value in fields.items()}, self.family,
                         [f"{name}.{key}" for key in known])
        section.refused = self.refused
        return section

    def _get(self, name: str, default: Any) -> Any:
        if name in self.fields:
            return self.fields[name]
        if default is None:
            raise ConfigError(f"{self.family} config: missing field "
                              f"'{name}'")
        return default

    def fail(self, name: str, why: str) -> ConfigError:
        return ConfigError(f"{self.family} config: field '{name}' {why}")

    def collect(self) -> "Config":
        """From now on `unsupported` records, and `check` raises one error
        naming every unsupported value."""
        self.refused = []
        return self

    def unsupported(self, name: str, why: str) -> None:
        """Field `name` has a value the model does not support (`why`):
        an error, or recorded while collecting (the parse goes on with the
        supported value)."""
        if self.refused is None:
            raise self.fail(name, why)
        self.refused.append((name, why))

    def check(self) -> None:
        """One error naming every unsupported value recorded."""
        if self.refused:
            # A field two layer kinds read is named once.
            refused = list(dict.fromkeys(self.refused))
            fields = "; ".join(f"field '{name}' {why}"
                               for name, why in refused)
            count = len(refused)
            raise ConfigError(
                f"{self.family} config: {fields}" if count == 1 else
                f"{self.family} config: {count} unsupported fields: {fields}")

    def _bounded(self, name: str, value: Any, minimum, above: bool) -> Any:
        """`value` (a number or a LongInteger) if it is >= `minimum` (>
        if `above`) and at most the field's bound (limits.py)."""
        limit = limits.bound(self.family, name)
        compared = _compared(value)
        if compared < minimum or above and compared == minimum:
            relation = ">" if above else ">="
            raise self.fail(name, f"must be {relation} {minimum}, got "
                            f"{shown(value)}")
        if compared > limit.limit:
            raise self.fail(name, f"must be <= {limit.limit} ({limit.why}),"
                            f" got {shown(value)}")
        return value

    def integer(self, name: str, default: Optional[int] = None,
                minimum: int = 1) -> int:
        """An integer from `minimum` to the field's bound."""
        value = self._get(name, default)
        if isinstance(value, bool) or \
                not isinstance(value, (int, LongInteger)):
            raise self.fail(name, f"must be an integer, got {shown(value)}")
        return self._bounded(name, value, minimum, above=False)

    def number(self, name: str, default: Optional[float] = None,
               positive: bool = True) -> float:
        """A finite number, > 0 if `positive`, at most the field's bound
        (in magnitude if not `positive`)."""
        value = self._get(name, default)
        if isinstance(value, bool) or \
                not isinstance(value, (int, float, LongInteger)) or \
                isinstance(value, float) and not math.isfinite(value):
            raise self.fail(name, f"must be a finite number, got "
                            f"{shown(value)}")
        if positive:
            return float(self._bounded(name, value, 0, above=True))
        limit = limits.bound(self.family, name).limit
        return float(self._bounded(name, value, -limit, above=False))

    def boolean(self, name: str, default: Optional[bool] = None) -> bool:
        value = self._get(name, default)
        if not isinstance(value, bool):
            raise self.fail(name, f"must be true or false, got "
                            f"{shown(value)}")
        return value

    def text(self, name: str, default: Optional[str] = None) -> str:
        value = self._get(name, default)
        if not isinstance(value, str):
            raise self.fail(name, f"must be a string, got {shown(value)}")
        return value
