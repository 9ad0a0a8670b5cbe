"""python3 -m recur.models FAMILY --config config.json -o block.mlir

Writes the model description of FAMILY's mixer block for the fields of
config.json (Hugging Face's names), and lists the weights it takes.
A bad config gives one message naming the field and exit status 1.
"""

import argparse
import sys

from . import FAMILIES, ConfigError, load_config


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
    parser.add_argument("--name", default=None,
                        help="the function's name (default: FAMILY_mixer)")
    args = parser.parse_args(argv)
    try:
        config = load_config(args.family, args.config)
    except ConfigError as error:
        print(f"recur.models: error: {error}", file=sys.stderr)
        return 1
    module = FAMILIES[args.family]
    text = module.build(config, args.name or f"{args.family}_mixer")
    if args.output == "-":
        sys.stdout.write(text)
    else:
        with open(args.output, "w") as f:
            f.write(text)
    for weight, shape in module.weight_shapes(config).items():
        print(f"weight {weight} -> argument {module.arg_name(weight)} "
              f"{list(shape)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
