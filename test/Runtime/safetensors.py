# The runtime's safetensors reader (runtime/safetensors.c) through the
# recur-safetensors tool: files written by python/recur/safetensors.py are
# listed and read back exactly (f32, f16 with its special values, bf16, a
# scalar, an empty tensor, escaped Unicode names, metadata); tensors asked
# for with the wrong name, shape or dtype are refused; corrupted files
# (one field at a time) give their status and reason; every truncation of a
# good file and random byte flips give status 1, never a crash.
#
# RUN: rm -rf %t && mkdir -p %t && %python %s %t recur-safetensors

import json
import os
import random
import struct
import subprocess
import sys

import numpy as np

from recur import safetensors

WORK, TOOL = sys.argv[1], sys.argv[2]


def run(path, *args):
    """(exit status, stdout, stderr) of the tool on `path`."""
    out = subprocess.run([TOOL, path, *map(str, args)], capture_output=True,
                         encoding="utf-8", errors="strict")
    return out.returncode, out.stdout, out.stderr


def expect(condition, what):
    if not condition:
        sys.exit(f"FAIL: {what}")


# -- a good file -----------------------------------------------------------

HALF = np.array([1.5, -2.0, np.inf, -np.inf, np.nan, 2.0**-24, 65504.0],
                dtype=np.float16)
TENSORS = {
    "layers.0.in_proj.weight": np.arange(6, dtype=np.float32).reshape(2, 3)
    / 7,
    "half": HALF,
    "bf": np.array([[1.0, -0.5], [3.140625, 1e30]], dtype=np.float32),
    "scalar": np.float32(-3.25),
    "empty": np.zeros((0, 4), dtype=np.float32),
    "ünïcode/√/🙂": np.array([42.0], dtype=np.float32),
    "ids": np.array([1, 2, 3], dtype=np.int32),
}
DTYPES = {"half": "f16", "bf": "bf16", "ids": "i32"}
good = os.path.join(WORK, "good.safetensors")
safetensors.save(good, TENSORS, DTYPES, metadata={"format": "pt"})
raw = open(good, "rb").read()
# The writer escapes non-ASCII names (\u00fc, a surrogate pair for the
# emoji): the reader decodes them.
expect(b"\\ud83d\\ude42" in raw, "the header escapes the emoji")

status, listing, err = run(good)
expect(status == 0, f"listing a good file: {err}")
lines = listing.splitlines()
expect(lines[0] == "layers.0.in_proj.weight F32 [2, 3] 24", lines[0])
expect("half F16 [7] 14" in lines, listing)
expect("bf BF16 [2, 2] 8" in lines, listing)
expect("scalar F32 [] 4" in lines, listing)
expect("empty F32 [0, 4] 0" in lines, listing)
expect("ünïcode/√/🙂 F32 [1] 4" in lines, listing)
expect("ids I32 [3] 12" in lines, listing)

for name, array in TENSORS.items():
    if name == "ids":
        continue
    status, out, err = run(good, name, *np.shape(array))
    expect(status == 0, f"reading {name}: {err}")
    got = np.array([float(v) for v in out.split()], dtype=np.float32)
    want = np.asarray(array, dtype=np.float32).reshape(-1)
    if name == "bf":
        want = safetensors.load(good)["bf"].reshape(-1)
        expect(want[2] == np.float32(3.140625), "bf16 keeps 3.140625")
    expect(np.array_equal(got, want, equal_nan=True),
           f"{name}: read {got}, wrote {want}")
expect(np.isnan(safetensors.load(good)["half"][4]), "load keeps the NaN")


def refused(path, args, status_name, reason):
    status, out, err = run(path, *args)
    expect(status == 1, f"{path} {args}: status {status}, stderr {err!r}")
    expect(f": {status_name}: " in err and reason in err,
           f"{path} {args}: expected {status_name} ({reason!r}), got {err!r}")
    expect("\n" not in err.rstrip("\n"), f"one line: {err!r}")


refused(good, ["missing", 2], "NOT_FOUND", "no tensor 'missing'")
refused(good, ["layers.0.in_proj.weight", 3, 2], "MISMATCH",
        "has shape [2, 3], expected [3, 2]")
refused(good, ["scalar", 1], "MISMATCH", "has shape [], expected [1]")
refused(good, ["ids", 3], "MISMATCH", "is I32; recur reads F32, F16 and BF16")
refused(os.path.join(WORK, "absent.safetensors"), [], "IO_ERROR",
        "cannot open")
refused(WORK, [], "IO_ERROR", "not a readable regular file")

# -- corrupted files, one field at a time -------------------------------------


def file_of(header, data=b"", length=None):
    """A file whose header is the bytes (or the JSON of) `header`."""
    text = header if isinstance(header, bytes) else json.dumps(header).encode()
    size = len(text) if length is None else length
    return struct.pack("<Q", size) + text + data


def entry(dtype="F32", shape=(2,), offsets=(0, 8)):
    return {"dtype": dtype, "shape": list(shape),
            "data_offsets": list(offsets)}


DATA = bytes(8)
CASES = [
    ("empty", b"", "TRUNCATED", "too short for the 8-byte header length"),
    ("seven", bytes(7), "TRUNCATED", "too short"),
    ("long header", file_of({"a": entry()}, DATA, length=10**6), "TRUNCATED",
     "the header length is 1000000 bytes"),
    ("huge header", file_of(b"{}", length=2**64 - 1), "TRUNCATED",
     "the header length is 18446744073709551615 bytes"),
    ("not json", file_of(b"[1, 2]"), "BAD_HEADER",
     "header byte 0: expected '{' to open the header, found '['"),
    ("trailing", file_of(b'{"a": {"dtype": "F32", "shape": [2], '
                         b'"data_offsets": [0, 8]}} x', DATA),
     "BAD_HEADER", "expected nothing after the header's object"),
    ("unterminated", file_of(b'{"a'), "BAD_HEADER", "not terminated"),
    ("bad escape", file_of(b'{"a\\q": 1}'), "BAD_HEADER", "invalid escape"),
    ("nul escape", file_of(b'{"a\\u0000b": 1}'), "BAD_HEADER",
     "invalid \\u escape"),
    ("lone surrogate", file_of(b'{"a\\ud800": 1}'), "BAD_HEADER",
     "invalid \\u escape"),
    ("control", file_of(b'{"a\nb": 1}'), "BAD_HEADER",
     "control character 0x0a"),
    ("missing colon", file_of(b'{"a" {}}'), "BAD_HEADER",
     "expected ':' after a key"),
    ("unknown dtype", file_of({"a": entry(dtype="F42")}, DATA), "BAD_TENSOR",
     "unknown dtype \"F42\""),
    ("unknown key", file_of({"a": {**entry(), "extra": 1}}, DATA),
     "BAD_HEADER", "tensor 'a': unknown key"),
    ("missing key", file_of({"a": {"dtype": "F32", "shape": [2]}}, DATA),
     "BAD_HEADER", "tensor 'a': no \"data_offsets\" key"),
    ("twice", file_of(b'{"a": {"dtype": "F32", "dtype": "F32"}}'),
     "BAD_HEADER", "key \"dtype\" given twice"),
    ("negative dim", file_of(b'{"a": {"dtype": "F32", "shape": [-2], '
                             b'"data_offsets": [0, 8]}}', DATA),
     "BAD_HEADER", "expected a dimension, found '-'"),
    ("fraction", file_of(b'{"a": {"dtype": "F32", "shape": [2.0], '
                         b'"data_offsets": [0, 8]}}', DATA),
     "BAD_HEADER", "a dimension must be a whole number"),
    ("leading zero", file_of(b'{"a": {"dtype": "F32", "shape": [02], '
                             b'"data_offsets": [0, 8]}}', DATA),
     "BAD_HEADER", "leading zero"),
    ("dim too large", file_of({"a": entry(shape=(2**63,))}, DATA),
     "BAD_HEADER", "a dimension is too large"),
    ("offset too large", file_of({"a": entry(offsets=(0, 2**64))}, DATA),
     "BAD_HEADER", "an offset is too large"),
    ("too many dims", file_of({"a": entry(shape=(1,) * 17)}, DATA),
     "BAD_TENSOR", "more than 16 dimensions"),
    ("overflow", file_of({"a": entry(shape=(2**40, 2**40))}, DATA),
     "BAD_TENSOR", "its shape holds more than 2^64 bytes"),
    ("reversed", file_of({"a": entry(offsets=(8, 0))}, DATA), "BAD_TENSOR",
     "data_offsets [8, 0] end before they begin"),
    ("wrong size", file_of({"a": entry(offsets=(0, 4))}, DATA), "BAD_TENSOR",
     "data_offsets [0, 4] hold 4 bytes, but F32 of its shape needs 8"),
    ("past the end", file_of({"a": entry(offsets=(8, 16))}, DATA),
     "TRUNCATED", "data_offsets end at byte 16, but the file has 8 bytes"),
    ("overlap", file_of({"a": entry(), "b": entry(shape=(1,),
                                                  offsets=(4, 8))}, DATA),
     "BAD_TENSOR", "overlaps another tensor's"),
    ("hole", file_of({"a": entry(shape=(1,), offsets=(4, 8))}, DATA),
     "BAD_TENSOR", "leaving a hole after byte 0"),
    ("extra data", file_of({"a": entry()}, DATA + bytes(4)), "BAD_TENSOR",
     "4 bytes after the last tensor's"),
    ("duplicate", file_of(b'{"a": {"dtype": "F32", "shape": [1], '
                          b'"data_offsets": [0, 4]}, "a": {"dtype": "F32", '
                          b'"shape": [1], "data_offsets": [4, 8]}}', DATA),
     "BAD_HEADER", "tensor 'a' is given twice"),
    ("nested metadata", file_of({"__metadata__": {"a": {"b": 1}}}),
     "BAD_HEADER", "expected a string, found '{'"),
]
for label, contents, status_name, reason in CASES:
    path = os.path.join(WORK, label.replace(" ", "_") + ".safetensors")
    with open(path, "wb") as f:
        f.write(contents)
    refused(path, [], status_name, reason)

# -- no crash on any truncation or byte flip ----------------------------------

cut = os.path.join(WORK, "cut.safetensors")
for length in range(len(raw)):
    with open(cut, "wb") as f:
        f.write(raw[:length])
    status, _, err = run(cut)
    expect(status == 1, f"{length} of {len(raw)} bytes: status {status} {err}")

rand = random.Random(7)
flipped = os.path.join(WORK, "flipped.safetensors")
for trial in range(300):
    damaged = bytearray(raw)
    for _ in range(rand.randint(1, 4)):
        damaged[rand.randrange(len(damaged))] = rand.randrange(256)
    with open(flipped, "wb") as f:
        f.write(damaged)
    status, _, err = run(flipped)
    expect(status in (0, 1), f"flip trial {trial}: status {status} {err}")
    if status == 0:  # whatever was accepted reads back
        for name in ("half", "scalar"):
            status, _, err = run(flipped, name, *np.shape(TENSORS[name]))
            expect(status in (0, 1), f"flip trial {trial} read {name}: {err}")
print("safetensors: all checks passed")
