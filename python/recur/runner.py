"""Compiles a model description with recur-compile and runs it from Python.

`compile_module` runs recur-compile once for a module, links the object
into a shared library and opens it with `recur.runtime` (ctypes, using the
interface file recur-compile writes beside the object); `CompiledModule.run`
calls a function on NumPy arrays in this process. Execution tests use it to
compare compiled code with the float64 references.

Tools come from the environment: RECUR_COMPILE (default: recur-compile on
PATH) and RECUR_CC (default: cc).
"""

import hashlib
import os
import subprocess
from typing import Dict, Optional, Sequence

import numpy as np

from .runtime import (LINK_LIBS, STORAGE, Buffer, Library,  # noqa: F401
                      Signature, from_storage, link_shared, load_interface,
                      to_storage)


class CompiledModule:
    """A compiled module, loaded: `run` calls its functions."""

    def __init__(self, library: Library):
        self.library = library
        self.signatures = library.signatures

    def run(self, function: str, inputs: Dict[str, np.ndarray],
            dims: Optional[Dict[str, int]] = None,
            threads: Optional[int] = None) -> Dict[str, np.ndarray]:
        """Calls `function` on `inputs` (by buffer name, any float dtype;
        converted to each buffer's element type) with the dynamic
        dimensions `dims` (checked against the inputs' shapes) on `threads`
        OpenMP threads (default: as before), and returns its outputs as
        float64 arrays by name."""
        return self.library.call(function, inputs, dims, threads)


def test_target() -> str:
    """The target execution tests compile for: RECUR_TEST_TARGET, else
    "cpu"."""
    return os.environ.get("RECUR_TEST_TARGET", "cpu")


def compile_module(mlir_text: str, workdir: str, stem: str = "model",
                   pipeline: str = "default",
                   options: Sequence[str] = (),
                   target: Optional[str] = None) -> CompiledModule:
    """Writes `mlir_text` to workdir/stem.mlir, compiles it with
    recur-compile for `target` (default: RECUR_TEST_TARGET, else "cpu"),
    adding `options` (e.g. "--chunk-size=16") to its command, and loads
    it."""
    target = target or test_target()
    os.makedirs(workdir, exist_ok=True)
    source = os.path.join(workdir, f"{stem}.mlir")
    with open(source, "w") as f:
        f.write(mlir_text)
    tool = os.environ.get("RECUR_COMPILE", "recur-compile")
    obj = os.path.join(workdir, f"{stem}.o")
    command = [tool, source, f"--target={target}", f"--pipeline={pipeline}",
               *options, "-o", obj]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"recur-compile failed ({' '.join(command)}):\n"
                           f"{result.stdout}{result.stderr}")
    # A library path is opened once per process: each object gets its own.
    with open(obj, "rb") as f:
        digest = hashlib.sha1(f.read()).hexdigest()[:12]
    shared = os.path.join(workdir, f"{stem}.{digest}.so")
    link_shared(obj, shared, target=target)
    return CompiledModule(Library(shared, os.path.join(workdir,
                                                       f"{stem}.json")))
