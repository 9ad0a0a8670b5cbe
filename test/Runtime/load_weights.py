# The weight loader of the runtime library (recur_load_weights,
# runtime/include/recur/runtime/model.h) through the function table of a
# header written by recur-compile: a C program (Inputs/load_weights.c)
# links Inputs/weights.mlir's object, loads its f32, f16 and bf16 weights
# (one with a checkpoint name that needs escaping in C) from safetensors
# files of F32, F16 and BF16 data, prints them, and calls the model through
# model_info.call. Conversions round to nearest even (checked against
# NumPy, with halfway cases, subnormals, overflow, infinities and NaN); a
# missing tensor, a wrong shape or dtype gives the status and a message
# naming the tensor, and frees what was loaded. A weight stacked from
# per-expert tensors (a checkpoint name with "*", as a mixture of experts'
# projections), and a missing or misshapen expert. The same weights from a
# sharded checkpoint directory (recur_checkpoint_open, recur_load_checkpoint:
# model.safetensors.index.json and one shard a tensor, each expert in its
# own), and a missing shard,
# a tensor not in the shard the index names, a shard that is a path, an
# index that is not one, and a weight the index lacks, each with its
# message. recur_map_weights / recur_map_checkpoint point each weight
# stored in its own dtype into the file (the others copied, the values the
# same) and release only the copies.
#
# RUN: rm -rf %t && mkdir -p %t && %python %s %t %S/Inputs %recur_src %cc

import json
import os
import subprocess
import sys

import numpy as np

from recur import reference, safetensors
from recur.testing import build_c_program

WORK, INPUTS, SRC, CC = sys.argv[1:5]
B_NAME = 'odd "name" \\ ??='


def expect(condition, what):
    if not condition:
        sys.exit(f"FAIL: {what}")


def build():
    obj = os.path.join(WORK, "weights.o")
    subprocess.run([os.environ["RECUR_COMPILE"],
                    os.path.join(INPUTS, "weights.mlir"), "-o", obj],
                   check=True)
    return build_c_program(CC, os.path.join(INPUTS, "load_weights.c"), obj,
                           WORK, SRC, os.path.join(WORK, "load_weights"))


def run(program, tensors, dtypes=None, *flags):
    path = os.path.join(WORK, "w.safetensors")
    safetensors.save(path, tensors, dtypes)
    out = subprocess.run([program, path, *flags], capture_output=True,
                         text=True)
    return out.returncode, out.stdout


def bits16(values, dtype):
    """The f16 / bf16 bit patterns NumPy (f16) and recur's reference
    (bf16) round f32 `values` to."""
    values = np.asarray(values, dtype=np.float32).ravel()
    if dtype == "f16":
        with np.errstate(over="ignore"):
            return [int(b) for b in
                    values.astype(np.float16).view(np.uint16)]
    return [int(b) for b in reference.bf16_bits(values)]


def main():
    program = build()
    w = np.array([0.5, -1.0, 2.0, 3.0], dtype=np.float32)
    # f16: halfway cases between neighbours (ties to even, both ways),
    # a subnormal, the smallest subnormal's half (ties to zero), overflow.
    h = np.array([[1.0 + 2.0**-11, 1.0 + 3 * 2.0**-11, 2.0**-20],
                  [2.0**-25, 65520.0, -np.inf]], dtype=np.float32)
    # bf16: ties to even, a NaN, a value that rounds up to the next
    # binade, the largest float (overflows to inf), a subnormal.
    b = np.array([1.0 + 2.0**-8, 1.0 + 3 * 2.0**-8, np.nan, 2.0 - 2.0**-9,
                  3.4028235e38, 1e-40, -0.0], dtype=np.float32)
    experts = np.array([[1.0, -2.0], [3.5, 0.25], [-6.0, 8.0]],
                       dtype=np.float32)
    tensors = {"layers.0.w": w, "layers.0.h": h, B_NAME: b}
    tensors.update({f"layers.0.experts.{e}.w": experts[e]
                    for e in range(3)})
    for stored in ("f32", "f16", "bf16"):
        # Values stored narrower are rounded first (then read exactly).
        dtypes = {name: stored for name in tensors}
        status, out = run(program, tensors, dtypes)
        expect(status == 0, f"{stored} file: {status} {out}")
        lines = out.splitlines()
        if stored == "f32":
            want_h, want_b = bits16(h, "f16"), bits16(b, "bf16")
        else:
            # The file holds the rounded values; f32 -> f16/bf16 again.
            source = {name: safetensors.load(
                os.path.join(WORK, "w.safetensors"))[name]
                for name in tensors}
            want_h = bits16(source["layers.0.h"], "f16")
            want_b = bits16(source[B_NAME], "bf16")
        expect(lines[0] == "w [layers.0.w] f32: 0.5 -1 2 3", lines[0])
        got_h = [int(x, 16) for x in lines[1].split(":")[1].split()]
        expect(got_h == want_h, f"{stored}: f16 {got_h} != {want_h}")
        expect(lines[2].startswith(f"b [{B_NAME}] bf16:"), lines[2])
        got_b = [int(x, 16) for x in lines[2].split(":")[1].split()]
        # NaN: any NaN pattern (quiet) is right.
        nan = [i for i, v in enumerate(b) if np.isnan(v)]
        for i in nan:
            expect((got_b[i] & 0x7f80) == 0x7f80 and got_b[i] & 0x7f,
                   f"bf16 NaN became {got_b[i]:04x}")
            got_b[i] = want_b[i] = 0
        expect(got_b == want_b, f"{stored}: bf16 {got_b} != {want_b}")
        expect(lines[3] == "e [layers.0.experts.*.w] bf16: " + " ".join(
            f"{bits:04x}" for bits in bits16(experts, "bf16")), lines[3])
        expect(lines[4] == "call: 0, y: 0.5 -2 6 12", lines[4])
        print(f"ok {stored} file: {lines[1]} / {lines[2]}")
        # Mapped: the weight stored in its own dtype points into the file,
        # the others (and the stacked one) are copies of the same values.
        status, mapped = run(program, tensors, dtypes, "map")
        own = {"f32": "w", "f16": "h", "bf16": "b"}[stored]
        expect(status == 0 and mapped.splitlines()[:5] == lines[:5] and
               mapped.splitlines()[5:] == [f"mapped: {own}"],
               f"{stored} file mapped: {status} {mapped!r}")
        print(f"ok {stored} file mapped: {mapped.splitlines()[5]}")
    # Spot checks of the expected patterns themselves (NumPy's rounding).
    expect(bits16(h, "f16") == [0x3c00, 0x3c02, 0x0010, 0x0000, 0x7c00,
                                0xfc00], bits16(h, "f16"))

    bad = [
        ({k: v for k, v in tensors.items() if k != "layers.0.h"}, None,
         "load: NOT_FOUND: no tensor 'layers.0.h' in the file"),
        ({**tensors, "layers.0.h": h.reshape(3, 2)}, None,
         "load: MISMATCH: tensor 'layers.0.h' has shape [3, 2], expected "
         "[2, 3]"),
        ({**tensors, B_NAME: b[:6]}, None,
         f"load: MISMATCH: tensor '{B_NAME}' has shape [6], expected [7]"),
        (tensors, {"layers.0.w": "i32"}, "load: MISMATCH: tensor "
         "'layers.0.w'"),
        ({k: v for k, v in tensors.items() if k != "layers.0.experts.1.w"},
         None, "load: NOT_FOUND: no tensor 'layers.0.experts.1.w' in the "
         "file"),
        ({**tensors, "layers.0.experts.2.w": experts[:, :1].ravel()}, None,
         "load: MISMATCH: tensor 'layers.0.experts.2.w' has shape [3], "
         "expected [2]"),
    ]
    for index, (files, dtypes, message) in enumerate(bad):
        status, out = run(program, files, dtypes)
        expect(status == 1 and out.startswith(message) and
               "left allocated" not in out,
               f"bad file {index}: {status} {out!r}, expected {message!r}")
        print(f"ok bad file {index}: {out.strip()}")
    # Slots the caller filled are left alone when a later weight fails: only
    # the weight loaded before it (w, buffer 1) is freed.
    status, out = run(program, bad[0][0], None, "prefilled")
    kept = [line for line in out.splitlines() if line.endswith(" kept")]
    expect(status == 1 and out.startswith(bad[0][2]) and
           "left allocated" not in out and "buffer 1 kept" not in out and
           len(kept) == 5,
           f"prefilled slots: {status} {out!r}")
    print(f"ok prefilled slots: {', '.join(kept)}")
    sharded(program, tensors)
    print("load weights: OK")


def sharded(program, tensors):
    """The same weights from a sharded checkpoint directory (one tensor a
    shard), and the ways such a checkpoint can be broken."""
    directory = os.path.join(WORK, "sharded")
    os.makedirs(directory)
    shards = safetensors.save_sharded(directory, tensors, shard_bytes=1)
    expect(len(shards) == len(tensors), f"shards {shards}")
    out = subprocess.run([program, directory], capture_output=True,
                         text=True)
    expect(out.returncode == 0 and
           out.stdout.splitlines()[0] == "w [layers.0.w] f32: 0.5 -1 2 3" and
           out.stdout.splitlines()[3].startswith("e [") and
           "call: 0, y: 0.5 -2 6 12" in out.stdout,
           f"sharded: {out.returncode} {out.stdout!r}")
    print(f"ok sharded checkpoint of {len(shards)} files")
    mapped = subprocess.run([program, directory, "map"], capture_output=True,
                            text=True)
    expect(mapped.returncode == 0 and
           mapped.stdout.splitlines()[:5] == out.stdout.splitlines()[:5] and
           mapped.stdout.splitlines()[5:] == ["mapped: w"],
           f"sharded, mapped: {mapped.returncode} {mapped.stdout!r}")
    print(f"ok sharded checkpoint mapped: {mapped.stdout.splitlines()[5]}")
    index = os.path.join(directory, safetensors.INDEX_NAME)
    with open(index) as f:
        good = json.load(f)

    def broken(label, change, message):
        with open(index, "w") as f:
            f.write(change(json.loads(json.dumps(good))))
        out = subprocess.run([program, directory], capture_output=True,
                             text=True)
        expect(out.returncode == 1 and message in out.stdout and
               "left allocated" not in out.stdout,
               f"{label}: {out.returncode} {out.stdout!r}, expected "
               f"{message!r}")
        print(f"ok {label}: {out.stdout.strip()}")

    def mapped(changes):
        def change(index):
            index["weight_map"].update(changes)
            return json.dumps(index)
        return change

    broken("missing shard", mapped({"layers.0.w": "model-9.safetensors"}),
           "open: IO_ERROR: " + os.path.join(directory, "model-9.safetensors")
           + ": cannot open: No such file or directory")
    broken("tensor not in its shard", mapped({"layers.0.w": shards[1]}),
           f"open: NOT_FOUND: {index} puts tensor 'layers.0.w' in "
           f"{shards[1]}, which has no such tensor")
    broken("a path as shard", mapped({"layers.0.w": "../w.safetensors"}),
           "open: BAD_HEADER: " + index + ": index: tensor 'layers.0.w' is "
           "in \"../w.safetensors\", which is not a file name beside the "
           "index")
    broken("no weight_map", lambda index: json.dumps(
        {"metadata": index["metadata"]}), "index: no \"weight_map\"")
    broken("not JSON", lambda index: json.dumps(index) + " x",
           "open: BAD_HEADER: " + index + ": index byte")
    broken("a cut index", lambda index: json.dumps(index)[:-3],
           "open: BAD_HEADER: " + index + ": index: a string is not "
           "terminated")
    broken("weight not indexed", lambda index: json.dumps(
        {"weight_map": {k: v for k, v in index["weight_map"].items()
                        if k != "layers.0.h"}}),
           "load: NOT_FOUND: weight 'h' ('layers.0.h') is in no file of "
           "the checkpoint")


if __name__ == "__main__":
    main()
