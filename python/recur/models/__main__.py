"""python3 -m recur.models FAMILY --config config.json [--layers N] -o FILE

Writes the model description of FAMILY's mixer block (or, with --layers,
of a stack of N layers: pre-norm, mixer, residual) for the fields of
config.json (Hugging Face's names), and lists the weights it takes. A bad
config gives one message naming the field and exit status 1. A hybrid
family (one with `layers(c, N)`, nemotron_h) always writes its stack: the
first N layers of its pattern, all of them without --layers.
"""

import argparse
import sys

from . import FAMILIES, ConfigError, builder, load_config


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python3 -m recur.models",
        description="Write the model description of a family's mixer block "
                    "from its config.json.")
    parser.add_argument("family", choices=sorted(FAMILIES))
    parser.add_argument("--config", required=True,
                        help="the family's config.json")
    parser.add_argument("-o", "--output", default="-",
                        help="where the description goes (default: stdout)")
    parser.add_argument("--layers", type=int, default=0,
                        help="a stack of this many layers (default: the "
                             "block alone)")
    parser.add_argument("--name", default=None,
                        help="the function's name (default: FAMILY_mixer, "
                             "or FAMILY_stack with --layers)")
    args = parser.parse_args(argv)
    try:
        config = load_config(args.family, args.config)
    except ConfigError as error:
        print(f"recur.models: error: {error}", file=sys.stderr)
        return 1
    module = FAMILIES[args.family]
    if args.layers < 0:
        parser.error("--layers must be >= 0")
    if hasattr(module, "layers"):
        # A hybrid family (nemotron_h): the first N layers of its pattern
        # (default: all of them), one family per layer.
        try:
            layers = module.layers(config, args.layers)
        except ValueError as error:
            parser.error(str(error))
        text = builder.build_layers(layers,
                                    args.name or f"{args.family}_stack")
        weights = builder.layers_weight_shapes(layers)
    elif args.layers:
        text = builder.build_stack(module, config, args.layers,
                                   args.name or f"{args.family}_stack")
        weights = builder.stack_weight_shapes(module, config, args.layers)
    else:
        text = builder.build_block(module, config,
                                   args.name or f"{args.family}_mixer")
        weights = module.weight_shapes(config)
    if args.output == "-":
        sys.stdout.write(text)
    else:
        with open(args.output, "w") as f:
            f.write(text)
    for weight, shape in weights.items():
        print(f"weight {weight} -> argument {builder.arg_name(weight)} "
              f"{list(shape)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
