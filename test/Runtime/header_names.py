# Odd but valid names (one letter, digits and underscores, mixed case, very
# long, next to a C library name, common words) are accepted as exported
# functions, dimensions and buffers, and the headers of them compile beside
# every standard C, POSIX and C++ header that the reserved names are read
# from (lib/Emit/gen_reserved_names.py), included before and after them,
# as C17, C2x with _GNU_SOURCE and C++20 (-Werror); the objects link with
# the C and math libraries and the OpenMP runtime into one program per
# language, which calls every function directly (first.c) and through its
# table (last.c) and checks its output. Issue 15: 58 of 126 accepted names
# broke such a program (close, INT_MAX, environ, the include guard, ...).
#
# RUN: rm -rf %t && mkdir -p %t && %python %s %t %recur_src %cc

import os
import subprocess
import sys

from recur.runtime import LINK_LIBS

WORK, SRC, CC = sys.argv[1:4]
CXX = CC.replace("clang", "clang++") if "clang" in CC else "c++"
sys.path.insert(0, os.path.join(SRC, "lib", "Emit"))
import gen_reserved_names as reserved  # noqa: E402

NAMES = """
a b c d e f g h i j k l m n o p q r s t u v w x y z
A B C D E F G H J K L M N O P Q R S T U V W X Y Z
x1 x_ x_2 a0 h_0 n_ z9 w2v layer_12 t_1_2 B_ T0 N_1
Open Close Write Read myWrite HiddenStates xYz camelCase ALLCAPS MiXeD
close_ my_write open2 printf_ malloc_ exp_ sin_ time_ index_ environ_
stdin_ errno_ assert_ int_max INT_MAX_ SIGINT_ closer reader
model state weights status info input output result data buffer value key
query tokens hidden gate decay beta alpha delta bias scale norm conv_state
ssm_state h_last out batch heads seq_len width kernel cache prefill step
layer0 block mixer final override module import
""".split() + ["L" + "o" * 200 + "ng", "a_very_long_name_" * 12 + "end"]
# Descriptions, each compiled to its own object and header.
GROUPS = 4
# The suffixes of the names a header declares for each function.
TABLE_SUFFIXES = ("_status_message", "_call", "_info", "_dims", "_buffers",
                  "_shape0", "_shape1")


def expect(condition, what):
    if not condition:
        sys.exit(f"FAIL: {what}")


def roles(index):
    """Function `index`'s dimensions and buffers: the names after its own,
    so that every name is a function, a dimension and a buffer."""
    after = [NAMES[(index + k) % len(NAMES)] for k in range(1, 5)]
    return after[:2], after[2], after[3]


def describe(index):
    (rows, cols), source, target = roles(index)
    shape = "tensor<?x?xf32>"
    dims = f'recur.dim_names = ["{rows}", "{cols}"]'
    return (f'func.func @{NAMES[index]}(%x: {shape} {{recur.name = '
            f'"{source}", {dims}}})\n'
            f'    -> ({shape} {{recur.name = "{target}", {dims}}}) {{\n'
            f'  return %x : {shape}\n}}\n')


def compile_descriptions():
    """names<g>.o and names<g>.h for each group; returns the objects."""
    objects = []
    for group in range(GROUPS):
        stem = os.path.join(WORK, f"names{group}")
        with open(stem + ".mlir", "w") as f:
            for index in range(group, len(NAMES), GROUPS):
                f.write(describe(index))
        subprocess.run([os.environ["RECUR_COMPILE"], stem + ".mlir", "-o",
                        stem + ".o"], check=True)
        objects.append(stem + ".o")
    return objects


def recur_headers():
    return "".join(f'#include "names{group}.h"\n' for group in range(GROUPS))


def check_call(call):
    """C statements that call a function on a 2 x 3 input through `call`
    (given the input and output arrays) and return 1 unless it copied it.
    Every local name starts with recur_, which no accepted name does."""
    return (f"  {{\n"
            f"    float recur_in[6] = {{1, 2, 3, 4, 5, 6}};\n"
            f"    float recur_out[6] = {{0}};\n"
            f"    int recur_i;\n"
            f"    if ({call} != 0) return 1;\n"
            f"    for (recur_i = 0; recur_i < 6; ++recur_i)\n"
            f"      if (recur_out[recur_i] != recur_in[recur_i]) return 1;\n"
            f"  }}\n")


def write_programs(language):
    """first.<ext> (recur's headers first, main calling each function) and
    last.<ext> (the standard headers first, calls through the tables)."""
    if language == "c":
        standard = reserved.probe_source(
            reserved.C_HEADERS + reserved.POSIX_HEADERS +
            reserved.OPENMP_HEADERS, reserved.C23_HEADERS)
    else:
        standard = reserved.probe_source(
            reserved.CXX_HEADERS + reserved.C_HEADERS_IN_CXX +
            reserved.POSIX_HEADERS + reserved.OPENMP_HEADERS,
            reserved.CXX23_HEADERS)
    direct = "".join(
        check_call(f"{name}(2, 3, recur_in, recur_out)") for name in NAMES)
    tables = "".join(
        check_call(f"{name}_info.call(recur_dims, recur_buffers)").replace(
            "    int recur_i;\n",
            "    int recur_i;\n"
            "    const int64_t recur_dims[2] = {2, 3};\n"
            "    void *const recur_buffers[2] = {recur_in, recur_out};\n")
        for name in NAMES)
    first = os.path.join(WORK, f"first.{language}")
    with open(first, "w") as f:
        f.write(recur_headers() + standard +
                "int recur_call_tables(void);\n"
                "int main(void) {\n" + direct +
                "  return recur_call_tables();\n}\n")
    last = os.path.join(WORK, f"last.{language}")
    with open(last, "w") as f:
        f.write(standard + recur_headers() +
                "int recur_call_tables(void);\n"
                "int recur_call_tables(void) {\n" + tables +
                "  return 0;\n}\n")
    return [first, last]


def main():
    functions = set(NAMES)
    expect(len(functions) == len(NAMES), "a name is listed twice")
    clashes = [name + suffix for name in NAMES for suffix in TABLE_SUFFIXES
               if name + suffix in functions]
    expect(not clashes, f"the test's names clash with tables: {clashes}")
    objects = compile_descriptions()
    builds = [("c17", CC, ["-std=c17"], "c"),
              ("c2x", CC, ["-std=c2x", "-D_GNU_SOURCE"], "c"),
              ("c++20", CXX, ["-std=c++20"], "cpp")]
    for label, compiler, flags, language in builds:
        program = os.path.join(WORK, f"names_{label}")
        subprocess.run([compiler, *flags, "-Wall", "-Wextra", "-Werror",
                        "-fopenmp", "-I", WORK, *write_programs(language),
                        *objects, *LINK_LIBS, "-o", program], check=True)
        status = subprocess.run([program]).returncode
        expect(status == 0, f"{label}: a function did not copy its input")
        print(f"ok {label}: {len(NAMES)} names as functions, dimensions and "
              "buffers")
    print("header names: OK")


if __name__ == "__main__":
    main()
