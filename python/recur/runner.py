"""Compiles a model description with recur-compile and runs it from Python.

`compile_module` runs recur-compile once for a module and reads the
interface file it writes beside the object (the functions' dimensions and
buffers, as JSON); `CompiledModule.run` links a small generated C harness against the
object file, passes NumPy arrays through files, and returns the outputs.
Execution tests use it to compare compiled code with the float64 references.

Tools come from the environment: RECUR_COMPILE (default: recur-compile on
PATH) and RECUR_CC (default: cc).
"""

import json
import os
import subprocess
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

import numpy as np

from . import reference

# Element type in the interface -> (C type, NumPy storage dtype).
STORAGE = {
    "f32": ("float", np.float32),
    "f16": ("uint16_t", np.float16),
    "bf16": ("uint16_t", np.uint16),
}


@dataclass
class Buffer:
    name: str
    is_output: bool
    shape: List[object]  # ints, or dimension names
    dtype: str


@dataclass
class Signature:
    name: str
    dims: List[str]
    buffers: List[Buffer]


def load_interface(path: str) -> Dict[str, Signature]:
    """The function signatures of the interface file recur-compile writes
    beside an object (FILE.json; include/recur/Target/InterfaceFile.h)."""
    with open(path) as f:
        interface = json.load(f)
    if interface.get("format") != "recur-interface" or \
            interface.get("version") != 1:
        raise ValueError(f"{path}: not a version-1 recur interface file")
    signatures = {}
    for function in interface["functions"]:
        buffers = [Buffer(b["name"], b["output"], list(b["shape"]), b["dtype"])
                   for b in function["buffers"]]
        signatures[function["name"]] = Signature(function["name"],
                                                 list(function["dims"]),
                                                 buffers)
    return signatures


# What an object from recur-compile links with: libomp for the threaded
# loops (Debian's libomp-22-dev) and libm.
LINK_LIBS = ["-lomp", "-lm"]


def _run(command: List[str], what: str) -> None:
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{what} failed ({' '.join(command)}):\n"
                           f"{result.stdout}{result.stderr}")


def to_storage(array: np.ndarray, dtype: str) -> np.ndarray:
    """Values as the bytes a buffer of element type `dtype` holds."""
    if dtype == "bf16":
        return reference.bf16_bits(array)
    return np.ascontiguousarray(array, dtype=STORAGE[dtype][1])


def from_storage(raw: np.ndarray, dtype: str) -> np.ndarray:
    """float64 values of a buffer of element type `dtype`."""
    if dtype == "bf16":
        return reference.bf16_from_bits(raw).astype(np.float64)
    return raw.astype(np.float64)


def _harness_source(header: str, sig: Signature) -> str:
    """A C program: argv = dims..., input files..., output files..."""
    lines = [f'#include "{header}"', "#include <stdio.h>", "#include <stdlib.h>",
             "",
             "static void *load(const char *path, size_t bytes) {",
             "  void *data = malloc(bytes ? bytes : 1);",
             '  FILE *f = fopen(path, "rb");',
             "  if (!f || fread(data, 1, bytes, f) != bytes) {",
             '    fprintf(stderr, "cannot read %s\\n", path); exit(2);',
             "  }",
             "  fclose(f);",
             "  return data;",
             "}",
             "",
             "static void save(const char *path, const void *data, size_t bytes) {",
             '  FILE *f = fopen(path, "wb");',
             "  if (!f || fwrite(data, 1, bytes, f) != bytes) {",
             '    fprintf(stderr, "cannot write %s\\n", path); exit(2);',
             "  }",
             "  fclose(f);",
             "}",
             "",
             "int main(int argc, char **argv) {",
             f"  if (argc != {1 + len(sig.dims) + len(sig.buffers)}) return 2;"]
    arg = 1
    for dim in sig.dims:
        lines.append(f"  int64_t {dim} = atoll(argv[{arg}]);")
        arg += 1
    call = list(sig.dims)
    for buf in sig.buffers:
        ctype = STORAGE[buf.dtype][0]
        count = " * ".join(f"(size_t)({d})" for d in buf.shape) or "1"
        lines.append(f"  size_t {buf.name}_bytes = {count} * sizeof({ctype});")
        if buf.is_output:
            lines.append(f"  {ctype} *{buf.name} = calloc(1, {buf.name}_bytes + 1);")
        else:
            lines.append(f"  {ctype} *{buf.name} = load(argv[{arg}], {buf.name}_bytes);")
            arg += 1
        call.append(buf.name)
    lines += [f"  int status = {sig.name}({', '.join(call)});",
              "  if (status != 0) {",
              f'    fprintf(stderr, "%s\\n", {sig.name}_status_message(status));',
              "    return 3;",
              "  }"]
    for buf in sig.buffers:
        if buf.is_output:
            lines.append(f"  save(argv[{arg}], {buf.name}, {buf.name}_bytes);")
            arg += 1
    lines += ["  return 0;", "}", ""]
    return "\n".join(lines)


class CompiledModule:
    def __init__(self, workdir: str, stem: str, signatures: Dict[str, Signature]):
        self.workdir = workdir
        self.stem = stem
        self.signatures = signatures
        self._harnesses: Dict[str, str] = {}
        self._runs = 0

    def _harness(self, function: str) -> str:
        if function not in self._harnesses:
            sig = self.signatures[function]
            source = os.path.join(self.workdir, f"{self.stem}.{function}.c")
            binary = os.path.join(self.workdir, f"{self.stem}.{function}.run")
            with open(source, "w") as f:
                f.write(_harness_source(f"{self.stem}.h", sig))
            cc = os.environ.get("RECUR_CC", "cc")
            _run([cc, "-O1", "-I", self.workdir, source,
                  os.path.join(self.workdir, f"{self.stem}.o"), *LINK_LIBS, "-o",
                  binary], "linking the harness")
            self._harnesses[function] = binary
        return self._harnesses[function]

    def run(self, function: str, inputs: Dict[str, np.ndarray],
            dims: Optional[Dict[str, int]] = None) -> Dict[str, np.ndarray]:
        """Calls `function` on `inputs` (by buffer name, any float dtype;
        converted to each buffer's element type) and returns its outputs as
        float64 arrays by name."""
        sig = self.signatures[function]
        dims = dims or {}
        missing = [d for d in sig.dims if d not in dims]
        if missing:
            raise ValueError(f"{function} needs dimension values for {missing}")
        self._runs += 1
        argv = [self._harness(function)] + [str(dims[d]) for d in sig.dims]
        outputs = []
        # The interface lists inputs before outputs, as the harness reads
        # argv.
        for buf in sig.buffers:
            path = os.path.join(self.workdir,
                                f"{self.stem}.{self._runs}.{buf.name}.bin")
            shape = [dims[d] if isinstance(d, str) else d for d in buf.shape]
            if buf.is_output:
                outputs.append((buf, path, shape))
            else:
                array = np.asarray(inputs[buf.name])
                if list(array.shape) != shape:
                    raise ValueError(f"{buf.name}: shape {array.shape}, "
                                     f"expected {shape}")
                to_storage(array, buf.dtype).tofile(path)
            argv.append(path)
        _run(argv, f"running {function}")
        results = {}
        for buf, path, shape in outputs:
            raw = np.fromfile(path, dtype=STORAGE[buf.dtype][1])
            results[buf.name] = from_storage(raw, buf.dtype).reshape(shape)
        return results


def compile_module(mlir_text: str, workdir: str, stem: str = "model",
                   pipeline: str = "default",
                   options: Sequence[str] = ()) -> CompiledModule:
    """Writes `mlir_text` to workdir/stem.mlir and compiles it with
    recur-compile, adding `options` (e.g. "--chunk-size=16") to its command."""
    os.makedirs(workdir, exist_ok=True)
    source = os.path.join(workdir, f"{stem}.mlir")
    with open(source, "w") as f:
        f.write(mlir_text)
    tool = os.environ.get("RECUR_COMPILE", "recur-compile")
    obj = os.path.join(workdir, f"{stem}.o")
    _run([tool, source, "--target=cpu", f"--pipeline={pipeline}", *options,
          "-o", obj], "recur-compile")
    signatures = load_interface(os.path.join(workdir, f"{stem}.json"))
    return CompiledModule(workdir, stem, signatures)
