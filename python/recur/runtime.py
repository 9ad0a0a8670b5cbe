"""Calls compiled recur functions from Python, in this process (ctypes).

    cc -shared model.o -lomp -lm -o model.so     # or link_shared() below
    library = Library("model.so")                # reads model.json beside it
    outputs = library.call("run", {"q": q, "k": k, ...})   # NumPy arrays

A shared library of an object from recur-compile (the object is
position-independent; `link_shared` adds -Bsymbolic so that two models with
the same function names can be loaded side by side) is opened with ctypes,
and its functions are called as the interface file (FILE.json beside the
object, include/recur/Emit/InterfaceFile.h) describes them: no C is
compiled per call and no data goes through files.

`call` converts each input to its buffer's element type (f32, f16, or bf16
as its bits), takes the dynamic dimensions from the inputs' shapes (or from
`dims`, checked against them), allocates the outputs, and returns them as
float64 arrays. A nonzero status raises RuntimeError with the function's
own message. `threads` sets the OpenMP thread count of a threaded library
(omp_set_num_threads) for this and later calls.
"""

import ctypes
import json
import os
import subprocess
from dataclasses import dataclass
from typing import Dict, List, Optional

import numpy as np

from . import reference
from .model import pack_panels

# Element type in the interface -> NumPy storage dtype.
STORAGE = {"f32": np.float32, "f16": np.float16, "bf16": np.uint16,
           "i32": np.int32}

# The status of a GPU-target call whose device work failed.
DEVICE_ERROR_STATUS = -2

# What an object from recur-compile links with: libomp for the threaded
# loops (Debian's libomp-22-dev) and libm.
LINK_LIBS = ["-lomp", "-lm"]


@dataclass
class Buffer:
    name: str
    is_output: bool
    shape: List[object]  # ints, or dimension names
    dtype: str
    checkpoint_name: Optional[str] = None
    # An input that the call also writes in place (a state pool): given
    # among the inputs, returned among the outputs.
    updated: bool = False
    # A weight [packed_rows, shape[1]] passed in panels (model.pack_panels):
    # given to `call` as [N, K] (or already packed), packed there.
    packed_rows: int = 0


@dataclass
class Signature:
    name: str
    dims: List[str]
    buffers: List[Buffer]
    status_message: str = ""


def read_interface(path: str) -> dict:
    """The JSON of an interface file (FILE.json), checked to be one."""
    with open(path) as f:
        interface = json.load(f)
    if interface.get("format") != "recur-interface" or \
            interface.get("version") != 1:
        raise ValueError(f"{path}: not a version-1 recur interface file")
    return interface


def signatures_of(interface: dict) -> Dict[str, Signature]:
    """The function signatures of an interface file's JSON."""
    signatures = {}
    for function in interface["functions"]:
        buffers = [Buffer(b["name"], b["output"], list(b["shape"]), b["dtype"],
                          b.get("checkpoint_name"), b.get("updated", False),
                          b.get("packed_rows", 0))
                   for b in function["buffers"]]
        signatures[function["name"]] = Signature(
            function["name"], list(function["dims"]), buffers,
            function["status_message"])
    return signatures


def load_interface(path: str) -> Dict[str, Signature]:
    """The function signatures of an interface file (FILE.json)."""
    return signatures_of(read_interface(path))


def _packed(function: str, buf: Buffer, array) -> np.ndarray:
    """An input as its buffer holds it: a packed weight given as [N, K] in
    panels (model.pack_panels); every other input as it is."""
    if not buf.packed_rows:
        return array
    logical = (buf.packed_rows, buf.shape[1])
    if np.shape(array) == logical:
        return pack_panels(np.asarray(array))
    if np.shape(array) != tuple(buf.shape):
        raise ValueError(f"{function}: '{buf.name}' has shape "
                         f"{np.shape(array)}, expected {list(logical)} "
                         f"(or packed, {buf.shape})")
    return array


def to_storage(array: np.ndarray, dtype: str) -> np.ndarray:
    """Values as the contiguous bytes a buffer of element type `dtype`
    holds."""
    if dtype == "bf16":
        return np.ascontiguousarray(reference.bf16_bits(array))
    if dtype not in STORAGE:
        raise ValueError(f"element type {dtype} is not supported here")
    return np.ascontiguousarray(array, dtype=STORAGE[dtype])


def from_storage(raw: np.ndarray, dtype: str) -> np.ndarray:
    """float64 values of a buffer of element type `dtype`."""
    if dtype == "bf16":
        return reference.bf16_from_bits(raw).astype(np.float64)
    return raw.astype(np.float64)


def link_shared(obj: str, output: str, cc: Optional[str] = None,
                target: str = "cpu") -> None:
    """Links the object `obj` from recur-compile into the shared library
    `output`. A vulkan- or cuda-target object is linked with its header's
    NAME_host entries (the header beside the object) and recur's Vulkan or
    CUDA runtime: RECUR_VULKAN_LDFLAGS or RECUR_CUDA_LDFLAGS (the
    RecurVulkan or RecurCUDA library and RecurRuntime, then -lpthread -ldl)
    and RECUR_RUNTIME_INCLUDE (runtime/include)."""
    cc = cc or os.environ.get("RECUR_CC", "cc")
    extra = []
    libs = LINK_LIBS
    if target in ("vulkan", "cuda"):
        header = os.path.splitext(obj)[0] + ".h"
        shim = os.path.splitext(output)[0] + ".host.c"
        with open(shim, "w") as f:
            f.write("#define RECUR_DEFINE_HOST_ENTRIES\n"
                    f'#include "{os.path.abspath(header)}"\n')
        include = os.environ.get("RECUR_RUNTIME_INCLUDE", "")
        extra = ["-fPIC", "-x", "c", shim, "-x", "none",
                 *([f"-I{include}"] if include else [])]
        flags = "RECUR_VULKAN_LDFLAGS" if target == "vulkan" else \
            "RECUR_CUDA_LDFLAGS"
        libs = [*os.environ.get(flags, "").split(), "-lm"]
    command = [cc, "-shared", *extra, obj, "-Wl,-Bsymbolic", *libs, "-o",
               output]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"linking failed ({' '.join(command)}):\n"
                           f"{result.stdout}{result.stderr}")


class Library:
    """A shared library of compiled recur functions, with its interface."""

    def __init__(self, path: str, interface: Optional[str] = None):
        if interface is None:
            interface = os.path.splitext(path)[0] + ".json"
        description = read_interface(interface)
        self.signatures = signatures_of(description)
        self.threaded = bool(description.get("threaded"))
        # A GPU-target library is called through NAME_host (host memory),
        # which has the CPU entry's parameters.
        self.target = description.get("target", "cpu")
        entry_suffix = "" if self.target == "cpu" else "_host"
        self._lib = ctypes.CDLL(os.path.abspath(path))
        self._functions = {}
        for name, sig in self.signatures.items():
            function = getattr(self._lib, name + entry_suffix)
            function.restype = ctypes.c_int
            function.argtypes = ([ctypes.c_int64] * len(sig.dims) +
                                 [ctypes.c_void_p] * len(sig.buffers))
            message = getattr(self._lib, sig.status_message)
            message.restype = ctypes.c_char_p
            message.argtypes = [ctypes.c_int]
            self._functions[name] = (function, message)

    def set_threads(self, threads: int) -> None:
        """The OpenMP thread count of this (threaded) library's calls."""
        if not self.threaded:
            raise ValueError("this library was compiled with --openmp=false")
        if threads < 1:
            raise ValueError(f"threads must be >= 1, got {threads}")
        self._lib.omp_set_num_threads(ctypes.c_int(threads))

    def dims_of(self, function: str, inputs: Dict[str, np.ndarray],
                dims: Optional[Dict[str, int]] = None) -> Dict[str, int]:
        """The dynamic dimensions of a call: `dims`, and the rest from the
        inputs' shapes; every input must agree with them."""
        sig = self.signatures[function]
        values = dict(dims or {})
        for buf in sig.buffers:
            if buf.is_output or buf.name not in inputs or buf.packed_rows:
                continue
            shape = np.shape(inputs[buf.name])
            if len(shape) != len(buf.shape):
                raise ValueError(f"{function}: '{buf.name}' has shape "
                                 f"{shape}, expected {buf.shape}")
            for size, dim in zip(shape, buf.shape):
                if isinstance(dim, str):
                    values.setdefault(dim, size)
                    dim_value = values[dim]
                else:
                    dim_value = dim
                if size != dim_value:
                    raise ValueError(f"{function}: '{buf.name}' has shape "
                                     f"{shape}, expected {buf.shape} with "
                                     f"{values}")
        missing = [d for d in sig.dims if d not in values]
        if missing:
            raise ValueError(f"{function}: no value for dimension(s) "
                             f"{missing}")
        return {d: values[d] for d in sig.dims}

    def call(self, function: str, inputs: Dict[str, np.ndarray],
             dims: Optional[Dict[str, int]] = None,
             threads: Optional[int] = None) -> Dict[str, np.ndarray]:
        """Calls `function` on `inputs` (by buffer name) and returns its
        outputs (by name, float64), each updated input's new value among
        them (the arrays of `inputs` are not written)."""
        if function not in self.signatures:
            raise KeyError(f"no function '{function}' in this library "
                           f"(it has {sorted(self.signatures)})")
        sig = self.signatures[function]
        missing = [b.name for b in sig.buffers
                   if not b.is_output and b.name not in inputs]
        if missing:
            raise ValueError(f"{function}: missing input(s) {missing}")
        values = self.dims_of(function, inputs, dims)
        if threads is not None:
            self.set_threads(threads)
        arrays, outputs = [], []
        for buf in sig.buffers:
            shape = [values[d] if isinstance(d, str) else d for d in buf.shape]
            if buf.is_output:
                array = np.zeros(shape, dtype=STORAGE[buf.dtype])
                outputs.append((buf, array))
            else:
                array = to_storage(_packed(function, buf, inputs[buf.name]),
                                   buf.dtype)
                if buf.updated:
                    array = array.copy()
                    outputs.append((buf, array))
            arrays.append(array)
        args = [values[d] for d in sig.dims]
        args += [a.ctypes.data for a in arrays]  # addresses, as c_void_p
        run, message = self._functions[function]
        status = run(*args)
        if status != 0:
            if self.target != "cpu" and status == DEVICE_ERROR_STATUS:
                device_message = getattr(
                    self._lib, "recur_vk_error_message"
                    if self.target == "vulkan" else "recur_cuda_error_message")
                device_message.restype = ctypes.c_char_p
                text = "the device failed: " + device_message().decode(
                    errors="replace")
            else:
                text = message(status).decode(errors="replace")
            raise RuntimeError(f"{function}: status {status}: {text}")
        return {buf.name: from_storage(array, buf.dtype)
                for buf, array in outputs}
