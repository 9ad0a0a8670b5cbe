# The model front end (`python3 -m recur.models`, python/recur/models) on
# adversarial configs and arguments, for every family: each gives exit
# status 1 and exactly one line "recur.models: error: ..." naming the field
# (or the file, --layers, --name, -o), never a traceback. Nothing is
# compiled: only the description writer runs.
#
# - Every number field a family reads (from its example config in
#   examples/configs): a 5000-digit integer (beyond Python's int-to-str
#   limit), a negative one, 2^63, the field's bound plus one
#   (python/recur/models/limits.py), 1e308, NaN, +-Infinity, true and false
#   (a bool is an int in Python), a string, a list, an object, a 500-deep
#   list, null where the field has no null meaning, 0, -1 and 8.5 for a
#   size, 0 and -1 for a positive number; every boolean and string field a
#   number, a list, null (and a string or true); the list and object
#   fields (time_step_limit, block_types, linear_attn_config and its layer
#   lists, rope_parameters and its fields, the Nemotron-H pattern, 2000
#   layers long) wrong types and values; the fields read only beside
#   another (hgrn2's num_heads, attention_head_dim, Nemotron-H's legacy
#   names); and the examples (mamba2 conv_kernel 1e9, hidden_size
#   1e9, 1e30 and 10^30, num_hidden_layers 1e9). These run in this process
#   through recur.models.__main__.main (fast); each family's example config
#   is accepted, and so is a size at its bound (conv kernels, state sizes,
#   windows).
# - Through the command line (a subprocess, as a user runs it): per family a
#   5000-digit hidden_size and 1e308 in a float field; a missing file, a
#   directory, non-UTF-8 bytes, invalid JSON, a 100000-deep list, a top
#   level that is not an object, a file over 1 MiB, a field name with a
#   newline, --layers 2^63, -1, 1025, a 5000-digit count and text, --name
#   not a C identifier (a dot, a leading digit, a newline, empty, 200
#   characters), an -o that cannot be written, and a hybrid's --layers
#   beyond its pattern.
# - The guard on products: a weight of 2^60 elements is rejected.
#
# RUN: rm -rf %t && mkdir -p %t && %python %s %t %recur_src

import contextlib
import io
import json
import os
import subprocess
import sys
import traceback

from recur.models import FAMILIES, ConfigError, limits
from recur.models.__main__ import check_sizes, main

WORK, SRC = sys.argv[1], sys.argv[2]
HUGE = "1" + "0" * 4999
PREFIX = "recur.models: error: "

# The fields each family reads from its example config, by kind: "int" (a
# size), "float" (a positive number), "bool", "text"; a kind ending in "?"
# is a field whose null means a default (null is not tried there).
FIELDS = {
    "mamba": {"int": ["hidden_size", "state_size", "intermediate_size",
                      "conv_kernel", "time_step_rank"],
              "float": ["expand", "layer_norm_epsilon"],
              "bool": ["use_bias", "use_conv_bias", "rms_norm"],
              "text": ["hidden_act"]},
    "mamba2": {"int": ["hidden_size", "state_size", "num_heads", "head_dim",
                       "n_groups", "expand", "conv_kernel"],
               "float": ["layer_norm_epsilon"],
               "bool": ["use_bias", "use_conv_bias", "rms_norm"],
               "text": ["hidden_act"]},
    "gated_deltanet": {"int": ["hidden_size", "linear_num_key_heads",
                               "linear_num_value_heads",
                               "linear_key_head_dim", "linear_value_head_dim",
                               "linear_conv_kernel_dim"],
                       "float": ["rms_norm_eps"], "text": ["hidden_act"]},
    "kda": {"int": ["hidden_size", "num_hidden_layers",
                    "linear_attn_config.num_heads",
                    "linear_attn_config.head_dim",
                    "linear_attn_config.short_conv_kernel_size"],
            "float": ["rms_norm_eps"]},
    "gla": {"int": ["hidden_size", "num_heads", "conv_size"],
            "int?": ["num_kv_heads"],
            "float": ["expand_k", "expand_v", "norm_eps"],
            "bool": ["use_short_conv", "use_output_gate", "fuse_norm",
                     "elementwise_affine"],
            "text": ["attn_mode", "hidden_act"]},
    "retnet": {"int": ["hidden_size", "num_heads"], "int?": ["num_kv_heads"],
               "float": ["expand_k", "expand_v", "norm_eps"],
               "bool": ["use_output_gate", "fuse_norm"],
               "text": ["attn_mode", "hidden_act"]},
    "hgrn2": {"int": ["hidden_size", "conv_size"], "int?": ["expand_ratio"],
              "float": ["norm_eps"],
              "bool": ["use_short_conv", "use_lower_bound",
                       "elementwise_affine"],
              "text": ["attn_mode"]},
    "rwkv6": {"int": ["hidden_size", "head_size"],
              "int?": ["attention_hidden_size"],
              "float": ["head_size_divisor", "layer_norm_epsilon"]},
    "recurrent_gemma": {"int": ["hidden_size", "num_attention_heads",
                                "conv1d_width"], "int?": ["lru_width"],
                        "float": ["rms_norm_eps"],
                        "text": ["hidden_activation"]},
    "recurrent_gemma_attention": {
        "int": ["hidden_size", "num_attention_heads",
                "attention_window_size"],
        "int?": ["num_key_value_heads", "head_dim"],
        "float": ["rope_theta", "partial_rotary_factor", "rms_norm_eps"],
        "bool": ["attention_bias"]},
    "recurrent_gemma_hybrid": {"int": ["hidden_size", "num_hidden_layers",
                                       "conv1d_width",
                                       "attention_window_size"],
                               "float": ["rms_norm_eps"]},
    "mingru": {"int": ["hidden_size"],
               "float": ["expansion_factor", "rms_norm_eps"],
               "bool": ["use_lstm", "enable_conv"]},
    "attention": {"int": ["hidden_size", "num_attention_heads"],
                  "int?": ["num_key_value_heads", "head_dim"],
                  "float": ["layer_norm_epsilon"],
                  "bool": ["attention_bias"]},
    "nemotron_h": {"int": ["hidden_size", "mamba_num_heads",
                           "mamba_head_dim", "ssm_state_size", "n_groups",
                           "conv_kernel", "num_attention_heads"],
                   "int?": ["head_dim"], "float": ["layer_norm_epsilon"],
                   "bool": ["use_conv_bias", "use_bias"],
                   "text": ["hybrid_override_pattern", "mamba_hidden_act"]},
}

# Wrong values of the list and object fields, of fields read only beside
# another value, and the examples: (family, field, JSON text[,
# other fields changed]).
OTHERS = [
    ("mamba2", "conv_kernel", "1000000000"),
    ("mamba", "hidden_size", "1000000000"),
    ("mamba", "hidden_size", "1e30"),
    ("mamba", "hidden_size", str(10 ** 30)),
    ("recurrent_gemma_hybrid", "num_hidden_layers", "1000000000"),
    ("hgrn2", "num_heads", HUGE, {"expand_ratio": None}),
    ("hgrn2", "num_heads", "true", {"expand_ratio": None}),
    ("attention", "attention_head_dim", str(2 ** 63), {"head_dim": None}),
    ("nemotron_h", "mamba_d_conv", "1000000000"),
    ("nemotron_h", "mamba_n_groups", "false"),
    ("nemotron_h", "time_step_limit", "{}"),
    ("mamba2", "time_step_limit", "1e308"),
    ("mamba2", "time_step_limit", "null"),
    ("mamba2", "time_step_limit", f"[0, {HUGE}]"),
    ("nemotron_h", "hybrid_override_pattern", json.dumps("M" * 2000)),
    ("nemotron_h", "layers_block_type", "[1, 2]"),
    ("kda", "linear_attn_config", "null"),
    ("kda", "linear_attn_config", "[4]"),
    ("kda", "linear_attn_config.kda_layers", "[1, 2, 3, 9223372036854775808]"),
    ("kda", "linear_attn_config.kda_layers", f"[{HUGE}]"),
    ("kda", "linear_attn_config.full_attn_layers", "[true]"),
    ("kda", "linear_attn_config.kda_layers", "{}"),
    ("recurrent_gemma", "block_types", "[[]]"),
    ("recurrent_gemma", "block_types", "\"recurrent\""),
    ("recurrent_gemma_attention", "rope_parameters", "[1]"),
    ("recurrent_gemma_attention", "rope_parameters.rope_theta", "1e308"),
    ("recurrent_gemma_attention", "rope_parameters.partial_rotary_factor",
     "1e-320"),
    ("recurrent_gemma_attention", "rope_parameters.rope_type", "7"),
    ("gla", "clamp_min", "-1e308"),
    ("gla", "clamp_min", "NaN"),
    ("gla", "feature_map", "[]"),
]

# Sizes accepted at their bound: (family, field).
AT_BOUND = [
    ("mamba", "conv_kernel"), ("mamba", "state_size"),
    ("mamba2", "conv_kernel"), ("mamba2", "state_size"),
    ("gated_deltanet", "linear_conv_kernel_dim"),
    ("kda", "linear_attn_config.short_conv_kernel_size"),
    ("hgrn2", "conv_size"), ("recurrent_gemma", "conv1d_width"),
    ("recurrent_gemma_attention", "attention_window_size"),
    ("nemotron_h", "conv_kernel"), ("nemotron_h", "ssm_state_size"),
]


def values(kind: str, bound):
    """(JSON text, expected part of the message) of the bad values of a
    field of `kind` whose bound is `bound`."""
    size = kind.startswith("int")
    wrong_type = "must be an integer" if size else "must be a finite number"
    low = "must be >= " if size else "must be > 0"
    cases = [(HUGE, "must be <= "), ("-" + HUGE, low),
             (str(2 ** 63), "must be <= "),
             ("1e308", wrong_type if size else "must be <= "),
             ("NaN", wrong_type), ("Infinity", wrong_type),
             ("-Infinity", wrong_type), ("true", wrong_type),
             ("false", wrong_type), ('"8"', wrong_type), ("[8]", wrong_type),
             ("{}", wrong_type), ("[" * 500 + "]" * 500, wrong_type),
             ("0", low), ("-1", low)]
    if size:
        cases += [(str(bound + 1), f"must be <= {bound} ("),
                  ("8.5", wrong_type)]
    else:
        cases += [(json.dumps(bound * 2), f"must be <= {bound} (")]
    if not kind.endswith("?"):
        cases.append(("null", wrong_type))
    return cases


def example(family: str) -> dict:
    with open(os.path.join(SRC, "examples", "configs",
                           f"{family}-tiny.json")) as f:
        return json.load(f)


def with_field(fields: dict, field: str, text: str) -> str:
    """The config text of `fields` with `field` (`a.b`: b in object a) set
    to the JSON text `text`."""
    marker = "@@value@@"
    fields = json.loads(json.dumps(fields))
    *outer, name = field.split(".")
    inner = fields
    for key in outer:
        inner = inner.setdefault(key, {})
    inner[name] = marker
    return json.dumps(fields).replace(json.dumps(marker), text)


def run_inline(argv):
    """(status, stderr) of main(argv) in this process; a traceback fails."""
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err), \
                contextlib.redirect_stdout(io.StringIO()):
            status = main(argv)
    except SystemExit as stop:
        status = stop.code
    except BaseException:
        sys.exit(f"FAIL: {argv}: traceback\n{traceback.format_exc()}")
    return status, err.getvalue()


def run_command(argv):
    result = subprocess.run([sys.executable, "-m", "recur.models", *argv],
                            capture_output=True, text=True)
    return result.returncode, result.stderr


def expect_error(label, status, stderr, names, part=""):
    """Status 1 and one line "recur.models: error: ..." with `names` (the
    field, file or option) and `part` in it."""
    lines = stderr.splitlines()
    if status != 1 or len(lines) != 1 or not lines[0].startswith(PREFIX) \
            or names not in lines[0] or part not in lines[0] \
            or "Traceback" in stderr:
        sys.exit(f"FAIL: {label}: status {status}, stderr {stderr[:2000]!r}"
                 f", expected one line naming {names!r} with {part!r}")


def write(name: str, data) -> str:
    path = os.path.join(WORK, name)
    with open(path, "wb" if isinstance(data, bytes) else "w") as f:
        f.write(data)
    return path


def config_args(family: str, text: str):
    return [family, "--config", write("config.json", text), "-o",
            os.path.join(WORK, "out.mlir")]


def fields_of_every_family():
    count = 0
    for family, kinds in FIELDS.items():
        base = example(family)
        status, stderr = run_inline(config_args(family, json.dumps(base)))
        if status != 0:
            sys.exit(f"FAIL: {family}'s example config: {stderr}")
        for kind, fields in kinds.items():
            for field in fields:
                if kind in ("bool", "text"):
                    cases = [("7", "must be"), ("[]", "must be"),
                             ("null", "must be"),
                             ('"yes"' if kind == "bool" else "true",
                              "must be")]
                else:
                    cases = values(kind, limits.bound(family, field).limit)
                for text, part in cases:
                    status, stderr = run_inline(config_args(
                        family, with_field(base, field, text)))
                    expect_error(f"{family} {field} = {text[:40]}", status,
                                 stderr, f"'{field}'", part)
                    count += 1
    for family, field, text, *changed in OTHERS:
        base = {**example(family), **(changed[0] if changed else {})}
        status, stderr = run_inline(config_args(
            family, with_field(base, field, text)))
        expect_error(f"{family} {field} = {text[:40]}", status, stderr,
                     f"'{field.split('.')[0]}", "")
        count += 1
    for family, field in AT_BOUND:
        bound = limits.bound(family, field).limit
        status, stderr = run_inline(config_args(
            family, with_field(example(family), field, str(bound))))
        if status != 0:
            sys.exit(f"FAIL: {family} {field} at its bound {bound}: "
                     f"{stderr}")
    print(f"ok {count} bad fields of {len(FIELDS)} families, "
          f"{len(AT_BOUND)} sizes at their bound")


def command_line():
    """Through a subprocess, as a user runs it."""
    assert set(FIELDS) == set(FAMILIES), set(FAMILIES) ^ set(FIELDS)
    for family, kinds in FIELDS.items():
        base = example(family)
        for field, text in (("hidden_size", HUGE),
                            (kinds["float"][0], "1e308")):
            status, stderr = run_command(config_args(
                family, with_field(base, field, text)))
            expect_error(f"{family} {field} = {text[:20]}", status, stderr,
                         f"'{field}'", "must be <=")
    mamba2 = os.path.join(SRC, "examples", "configs", "mamba2-tiny.json")
    files = [   # (path, what the message names, what it says)
        (os.path.join(WORK, "absent.json"), "absent.json", "No such file"),
        (WORK, WORK, "Is a directory"),
        (write("latin1.json", b'{"hidden_act": "\xe9"}'), "latin1.json",
         "not UTF-8 text (byte 0xe9 at offset 16)"),
        (write("broken.json", '{"hidden_size": 64,'), "broken.json",
         "not JSON"),
        (write("deep.json", "[" * 100000 + "]" * 100000), "deep.json",
         "nested too deeply"),
        (write("list.json", "[1, 2]"), "mamba2 config",
         "expected a JSON object, got [1, 2]"),
        (write("number.json", HUGE), "mamba2 config",
         "expected a JSON object, got an integer of 5000 digits"),
        (write("large.json", " " * (2 << 20) + "{}"), "large.json",
         "larger than"),
        (write("newline.json", '{"a\\nb": 1}'), "unknown field",
         '"a\\nb"'),
    ]
    for path, names, part in files:
        status, stderr = run_command(["mamba2", "--config", path])
        expect_error(f"file {path}", status, stderr, names, part)
    out = ["--config", mamba2, "-o", os.path.join(WORK, "out.mlir")]
    arguments = [
        ("--layers", str(2 ** 63)), ("--layers", "-1"), ("--layers", "1025"),
        ("--layers", HUGE), ("--layers", "two"), ("--name", "a.b"),
        ("--name", "1abc"), ("--name", "a\nb"), ("--name", ""),
        ("--name", "a" * 200),
    ]
    for option, value in arguments:
        status, stderr = run_command(["mamba2", *out, option, value])
        expect_error(f"{option} {value[:20]!r}", status, stderr, option,
                     "must be")
    status, stderr = run_command(["mamba2", "--config", mamba2, "-o",
                                  os.path.join(WORK, "absent", "x.mlir")])
    expect_error("-o in a missing folder", status, stderr, "cannot write",
                 "No such file")
    status, stderr = run_command([
        "nemotron_h", "--config", os.path.join(SRC, "examples", "configs",
                                               "nemotron_h-tiny.json"),
        "--layers", "4", "-o", os.path.join(WORK, "out.mlir")])
    expect_error("nemotron_h --layers 4", status, stderr, "--layers",
                 "4 layers asked")
    print("ok command line")


def product_guard():
    try:
        check_sizes("weight", {"in_proj.weight": (2 ** 30, 2 ** 30)})
        sys.exit("FAIL: a weight of 2^60 elements accepted")
    except ConfigError as error:
        assert "weight 'in_proj.weight'" in str(error), error
    check_sizes("state", {"k_cache": ("S", 2 ** 20, 2 ** 20)})
    print("ok product guard")


def main_test():
    fields_of_every_family()
    command_line()
    product_guard()
    print("model configs adversarial: OK")


if __name__ == "__main__":
    main_test()
