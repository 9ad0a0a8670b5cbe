"""Compiles, for each name on the command line, one description that uses it
as the exported function's name, one as a dimension's and one as a buffer's
(only the first for `function:NAME`), and prints "<role> <name>:
<recur-compile's error>" for each (the error without its location). Every
compile must fail without writing an output.

Usage: reserved_names.py WORK NAME|function:NAME...
"""

import os
import subprocess
import sys

WORK, NAMES = sys.argv[1], sys.argv[2:]

DESCRIPTION = """\
func.func @{function}(%a: tensor<?x4xf32> {{recur.name = "{buffer}",
                                           recur.dim_names = ["{dim}"]}})
    -> (tensor<?x4xf32> {{recur.name = "out", recur.dim_names = ["{dim}"]}}) {{
  return %a : tensor<?x4xf32>
}}
"""

ROLES = {
    "function": lambda name: {"function": name, "dim": "N", "buffer": "a"},
    "dimension": lambda name: {"function": "f", "dim": name, "buffer": "a"},
    "buffer": lambda name: {"function": "f", "dim": "N", "buffer": name},
}


def main():
    for argument in NAMES:
        roles = ["function"] if argument.startswith("function:") else ROLES
        name = argument.split(":")[-1]
        for role in roles:
            fields = ROLES[role]
            source = os.path.join(WORK, f"{role}-{name}.mlir")
            with open(source, "w") as f:
                f.write(DESCRIPTION.format(**fields(name)))
            # The header of guard.o has the include guard RECUR_GUARD_H.
            output = os.path.join(WORK, "guard.o")
            if os.path.exists(output):
                os.remove(output)
            result = subprocess.run(
                [os.environ["RECUR_COMPILE"], source, "-o", output],
                capture_output=True, text=True)
            if result.returncode == 0 or os.path.exists(output):
                sys.exit(f"FAIL: the {role} name '{name}' was accepted")
            error = result.stderr.splitlines()[0]
            print(f"{role} {name}: {error[error.index('error:'):]}")


if __name__ == "__main__":
    main()
