"""python3 -m recur.models FAMILY --config config.json [--layers N]
[--name NAME] [--verbose] -o FILE
python3 -m recur.models build MODEL_DIR [--name NAME] [--all-logits]
[--serving] [--verbose] -o FILE

Writes the model description of FAMILY's mixer block (or, with --layers,
of a stack of N layers: pre-norm, mixer, residual) for the fields of
config.json (Hugging Face's names), and lists the weights it takes. A bad
config or argument gives one line "recur.models: error: ..." naming the
field and exit status 1 (a usage error, argparse's, status 2). A hybrid
family (one with `layers(c, N)`, nemotron_h) always writes its stack: the
first N layers of its pattern, all of them without --layers.

`build` writes the whole model (token ids in, logits out; whole.py) of
the checkpoint directory MODEL_DIR from its config.json, whose
`model_type` names the family; --serving adds the functions of
serving.py (pooled states, packed prompts, speculative steps).

A config's fields outside its configuration class that cannot change the
computation (config.py) are ignored; --verbose lists them.
"""

import argparse
import re
import sys

from . import (FAMILIES, ConfigError, builder, limits, read_config,
               serving, whole)

# The longest function name: a C identifier, with room for "_step".
MAX_NAME_LENGTH = 128


def layer_count(text: str) -> int:
    """--layers: an integer from 0 to limits.MAX_LAYERS."""
    if not re.fullmatch(r"[0-9]{1,19}", text.strip()) or \
            int(text) > limits.MAX_LAYERS:
        raise ConfigError(f"--layers must be an integer from 0 to "
                          f"{limits.MAX_LAYERS}, got {text[:40]!r}")
    return int(text)


def function_name(text: str) -> str:
    """--name: a C identifier (the compiler rejects the reserved ones)."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", text) or \
            len(text) > MAX_NAME_LENGTH:
        raise ConfigError(f"--name must be a C identifier of at most "
                          f"{MAX_NAME_LENGTH} characters, got {text[:40]!r}")
    return text


def check_sizes(kind: str, shapes) -> None:
    """No tensor (`kind`: weight or state) over limits.MAX_ELEMENTS
    elements."""
    for name, shape in shapes.items():
        if limits.elements(shape) > limits.MAX_ELEMENTS:
            raise ConfigError(f"{kind} '{name}' {list(shape)} has more than "
                              f"{limits.MAX_ELEMENTS} elements (the config's "
                              "sizes are too large together)")


def describe(family: str, config_path: str, layers: int, name):
    """(description text, weight shapes, ignored fields) of `family`'s
    block, stack or hybrid stack."""
    fields = read_config(family, config_path).collect()
    module = FAMILIES[family]
    config = module.parse(fields)
    # Every unsupported value at once.
    fields.check()
    if hasattr(module, "layers"):
        # A hybrid family (nemotron_h): the first N layers of its pattern
        # (default: all of them), one family per layer.
        try:
            stack = module.layers(config, layers)
        except ValueError as error:
            raise ConfigError(f"--layers: {error}") from None
        name = name or f"{family}_stack"
    elif layers:
        stack = builder.stack_layers(module, config, layers)
        name = name or f"{family}_stack"
    else:
        stack = None
        name = name or f"{family}_mixer"
    if stack is None:
        weights = module.weight_shapes(config)
        check_sizes("weight", weights)
        check_sizes("state", module.state_shapes(config))
        return (builder.build_block(module, config, name), weights,
                fields.ignored)
    weights = builder.layers_weight_shapes(stack)
    check_sizes("weight", weights)
    check_sizes("state", builder.layers_state_shapes(stack))
    return builder.build_layers(stack, name), weights, fields.ignored


def describe_model(model_dir: str, name, all_logits: bool,
                   serving_functions: bool = False):
    """(description text, weight shapes, ignored fields) of the whole
    model in the checkpoint directory `model_dir`, with the serving
    functions (serving.py) where `serving_functions` asks."""
    m = whole.load(model_dir, all_logits)
    weights = whole.weight_shapes(m)
    check_sizes("weight", weights)
    check_sizes("state", whole.state_shapes(m))
    if not serving_functions:
        return whole.build(m, name or "model"), weights, m.ignored
    if all_logits:
        raise ConfigError("--serving and --all-logits do not go together "
                          "(the packed prefill gives each prompt's last "
                          "logits)")
    if not serving.supports(m):
        raise ConfigError(f"--serving: the {m.family.MODEL_TYPE} model has "
                          "KV caches, whose pools are not built yet; only "
                          "models whose states have static shapes have "
                          "serving functions")
    return serving.build(m, name or "model"), weights, m.ignored


def write(text: str, output: str) -> None:
    """`text` to the file `output`, or to stdout for "-"."""
    if output == "-":
        sys.stdout.write(text)
        return
    try:
        with open(output, "w") as f:
            f.write(text)
    except OSError as error:
        raise ConfigError(f"cannot write {output!r}: "
                          f"{error.strerror or error}") from None


def emit(make, output: str, verbose: bool = False) -> int:
    """Writes the description that `make()` returns ((text, weight
    shapes, ignored fields)) to `output` and lists its weights on stderr
    (and, `verbose`, the config's ignored fields); the exit status (1
    after one line naming a ConfigError)."""
    try:
        text, weights, ignored = make()
        write(text, output)
    except ConfigError as error:
        print(f"recur.models: error: {error}", file=sys.stderr)
        return 1
    if verbose:
        for field, why in ignored:
            print(f"ignored field {field}: {why}", file=sys.stderr)
    for weight, shape in weights.items():
        print(f"weight {weight} -> argument {builder.arg_name(weight)} "
              f"{list(shape)}", file=sys.stderr)
    return 0


def build_main(argv) -> int:
    parser = argparse.ArgumentParser(
        prog="python3 -m recur.models build",
        description="Write the whole model (token ids in, logits out) of a "
                    "checkpoint directory from its config.json.")
    parser.add_argument("model_dir", help="the checkpoint directory")
    parser.add_argument("-o", "--output", default="-",
                        help="where the description goes (default: stdout)")
    parser.add_argument("--name", default=None,
                        help="the function's name, a C identifier "
                             "(default: model; the step is NAME_step)")
    parser.add_argument("--all-logits", action="store_true",
                        help="the prefill returns the logits of every "
                             "position, not only the last")
    parser.add_argument("--serving", action="store_true",
                        help="add NAME_pool_step, NAME_pool_prefill, "
                             "NAME_pool_verify and NAME_pool_accept: states "
                             "in slot pools, packed prompts, speculative "
                             "steps (CPU target)")
    parser.add_argument("--verbose", action="store_true",
                        help="list the config's fields that are ignored")
    args = parser.parse_args(argv)
    return emit(lambda: describe_model(
        args.model_dir,
        None if args.name is None else function_name(args.name),
        args.all_logits, args.serving), args.output, args.verbose)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["build"]:
        return build_main(argv[1:])
    parser = argparse.ArgumentParser(
        prog="python3 -m recur.models",
        description="Write the model description of a family's mixer block "
                    "from its config.json.")
    parser.add_argument("family", choices=sorted(FAMILIES))
    parser.add_argument("--config", required=True,
                        help="the family's config.json")
    parser.add_argument("-o", "--output", default="-",
                        help="where the description goes (default: stdout)")
    parser.add_argument("--layers", default="0", metavar="N",
                        help="a stack of this many layers, at most "
                             f"{limits.MAX_LAYERS} (default: the block "
                             "alone)")
    parser.add_argument("--name", default=None,
                        help="the function's name, a C identifier "
                             "(default: FAMILY_mixer, or FAMILY_stack with "
                             "--layers)")
    parser.add_argument("--verbose", action="store_true",
                        help="list the config's fields that are ignored")
    args = parser.parse_args(argv)
    return emit(lambda: describe(
        args.family, args.config, layer_count(args.layers),
        None if args.name is None else function_name(args.name)),
        args.output, args.verbose)


if __name__ == "__main__":
    sys.exit(main())
