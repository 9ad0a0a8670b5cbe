# The function tables of the headers recur-compile writes (NAME_info)
# against the interface file written beside them: a C program
# (Inputs/print_tables.c), compiled as C and as C++, prints every table as
# JSON, which must equal the interface file's functions (names, dims,
# buffers with checkpoint names, dtypes, packed weights' rows, directions
# and shapes). Modules:
# Inputs/weights.mlir (f32/f16/bf16 weights, a name that needs escaping)
# and a Nemotron-H hybrid stack from examples/configs (dims B, T and S,
# prefill and step functions).
#
# RUN: rm -rf %t && mkdir -p %t && %python %s %t %S/Inputs %recur_src %cc

import json
import os
import subprocess
import sys

from recur.models import __main__ as models_cli
from recur.runtime import LINK_LIBS

WORK, INPUTS, SRC, CC = sys.argv[1:5]
CXX = CC.replace("clang", "clang++") if "clang" in CC else "c++"


def expect(condition, what):
    if not condition:
        sys.exit(f"FAIL: {what}")


def check_module(source, stem):
    obj = os.path.join(WORK, f"{stem}.o")
    subprocess.run([os.environ["RECUR_COMPILE"], source, "-o", obj],
                   check=True)
    with open(os.path.join(WORK, f"{stem}.json")) as f:
        interface = json.load(f)
    names = [function["name"] for function in interface["functions"]]
    functions = ", ".join(f"&{name}_info" for name in names)
    for compiler, language in ((CC, ["-std=c11"]), (CXX, ["-x", "c++"])):
        program = os.path.join(WORK, f"{stem}_tables")
        subprocess.run([compiler, *language, "-Wall", "-Wextra", "-Werror",
                        "-I", WORK, f'-DHEADER="{stem}.h"',
                        f"-DFUNCTIONS={functions}",
                        os.path.join(INPUTS, "print_tables.c"), "-x", "none",
                        obj, *LINK_LIBS, "-o", program], check=True)
        tables = json.loads(subprocess.run([program], check=True,
                                           capture_output=True,
                                           text=True).stdout)
        expected = [{"name": function["name"], "dims": function["dims"],
                     "buffers": [{k: v for k, v in buffer.items()
                                  if k != "c_type"}
                                 for buffer in function["buffers"]],
                     "callable": True}
                    for function in interface["functions"]]
        expect(tables == expected,
               f"{stem} ({compiler}): the header's tables\n{tables}\n"
               f"differ from the interface file's\n{expected}")
        print(f"ok {stem} ({os.path.basename(compiler)}): "
              f"{len(names)} functions, "
              f"{sum(len(t['buffers']) for t in tables)} buffers agree")


def main():
    check_module(os.path.join(INPUTS, "weights.mlir"), "weights")
    hybrid = os.path.join(WORK, "hybrid.mlir")
    status = models_cli.main(["nemotron_h", "--config", os.path.join(
        SRC, "examples", "configs", "nemotron_h-tiny.json"), "-o", hybrid])
    expect(status == 0, "recur.models nemotron_h")
    check_module(hybrid, "hybrid")
    print("header tables: OK")


if __name__ == "__main__":
    main()
