"""Checkpoints in the safetensors format, with NumPy only.

    save(path, {"in_proj.weight": array, ...}, dtypes={"in_proj.weight": "bf16"})
    load(path) -> {"in_proj.weight": array, ...}

The format: an 8-byte little-endian header length, a JSON header mapping
each tensor name to its dtype ("F32", "F16", "BF16", ...), shape and
data_offsets into the data that follows, and the data, every tensor's
bytes exactly once. `save` writes tensors in the order given, the header
padded with spaces to a multiple of 8 bytes (as the reference writer
does). NumPy has no bfloat16: a tensor saved as "bf16" is rounded from
float32 to nearest even, and `load` returns bf16 tensors as float32.

`header_bytes` and `encode` expose the pieces, so that the tests can
corrupt a file one field at a time. The runtime's C reader
(runtime/safetensors.c) reads these files.
"""

import json
import os
import struct
from typing import Dict, List, Optional

import numpy as np

from .reference import bf16_bits, bf16_from_bits

# recur dtype names and the format's.
DTYPE_NAMES = {"f64": "F64", "f32": "F32", "f16": "F16", "bf16": "BF16",
               "i64": "I64", "i32": "I32", "i16": "I16", "i8": "I8",
               "u8": "U8", "bool": "BOOL"}
# The format's dtypes NumPy stores (BF16 as its uint16 bit patterns).
NUMPY = {"F64": np.float64, "F32": np.float32, "F16": np.float16,
         "BF16": np.uint16, "I64": np.int64, "I32": np.int32,
         "I16": np.int16, "I8": np.int8, "U8": np.uint8, "BOOL": np.bool_}


def encode(array: np.ndarray, dtype: str) -> bytes:
    """The little-endian bytes of `array` stored as recur dtype `dtype`."""
    name = DTYPE_NAMES[dtype]
    if name == "BF16":
        stored = bf16_bits(np.asarray(array, dtype=np.float32))
    else:
        stored = np.asarray(array).astype(NUMPY[name])
    return stored.astype(stored.dtype.newbyteorder("<")).tobytes()


def header_bytes(entries: Dict[str, dict],
                 metadata: Optional[Dict[str, str]] = None) -> bytes:
    """The header (length and JSON, padded to 8 bytes) for `entries`, a
    mapping of name to {"dtype", "shape", "data_offsets"}."""
    header = dict(entries)
    if metadata is not None:
        header = {"__metadata__": metadata, **header}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text


def save(path: str, tensors: Dict[str, np.ndarray],
         dtypes: Optional[Dict[str, str]] = None,
         metadata: Optional[Dict[str, str]] = None) -> None:
    """Writes `tensors` to `path`, each as its dtype in `dtypes` (recur
    names: "f32", "f16", "bf16", ...; f32 by default)."""
    dtypes = dtypes or {}
    entries, chunks, offset = {}, [], 0
    for name, array in tensors.items():
        dtype = dtypes.get(name, "f32")
        data = encode(array, dtype)
        entries[name] = {"dtype": DTYPE_NAMES[dtype],
                         "shape": list(np.shape(array)),
                         "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    with open(path, "wb") as f:
        f.write(header_bytes(entries, metadata))
        for data in chunks:
            f.write(data)


INDEX_NAME = "model.safetensors.index.json"


def save_sharded(directory: str, tensors: Dict[str, np.ndarray],
                 dtypes: Optional[Dict[str, str]] = None,
                 shard_bytes: int = 5 << 30) -> List[str]:
    """Writes `tensors` as Hugging Face shards a checkpoint directory:
    model-0000K-of-0000N.safetensors files of at most `shard_bytes` of
    data each (a larger tensor alone), in order, and
    model.safetensors.index.json mapping each tensor to its file. Returns
    the shards' names."""
    dtypes = dtypes or {}
    groups: List[List[str]] = [[]]
    size = 0
    for name, array in tensors.items():
        nbytes = len(encode(array, dtypes.get(name, "f32")))
        if groups[-1] and size + nbytes > shard_bytes:
            groups.append([])
            size = 0
        groups[-1].append(name)
        size += nbytes
    names = [f"model-{k + 1:05d}-of-{len(groups):05d}.safetensors"
             for k in range(len(groups))]
    weight_map, total = {}, 0
    for shard, group in zip(names, groups):
        save(os.path.join(directory, shard),
             {name: tensors[name] for name in group}, dtypes)
        for name in group:
            weight_map[name] = shard
            total += len(encode(tensors[name], dtypes.get(name, "f32")))
    with open(os.path.join(directory, INDEX_NAME), "w") as f:
        json.dump({"metadata": {"total_size": total},
                   "weight_map": weight_map}, f, indent=2)
    return names


def load(path: str) -> Dict[str, np.ndarray]:
    """The tensors of the file at `path` (BF16 as float32)."""
    with open(path, "rb") as f:
        raw = f.read()
    (length,) = struct.unpack_from("<Q", raw)
    header = json.loads(raw[8:8 + length])
    header.pop("__metadata__", None)
    data = raw[8 + length:]
    tensors = {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        kind = NUMPY[entry["dtype"]]
        array = np.frombuffer(data[begin:end], dtype=np.dtype(kind)
                              .newbyteorder("<"))
        if entry["dtype"] == "BF16":
            array = bf16_from_bits(array)
        tensors[name] = array.reshape(entry["shape"])
    return tensors


def load_checkpoint(path: str) -> Dict[str, np.ndarray]:
    """The tensors of a checkpoint: a directory (its INDEX_NAME and the
    shards it names, else its model.safetensors), an index file or one
    file. A shard missing, or lacking a tensor the index puts in it, is a
    ValueError naming it."""
    if os.path.isdir(path):
        index = os.path.join(path, INDEX_NAME)
        path = index if os.path.exists(index) else \
            os.path.join(path, "model.safetensors")
    if not path.endswith(".json"):
        return load(path)
    with open(path) as f:
        weight_map = json.load(f).get("weight_map")
    if not isinstance(weight_map, dict):
        raise ValueError(f"{path}: no \"weight_map\" object")
    tensors: Dict[str, np.ndarray] = {}
    shards: Dict[str, Dict[str, np.ndarray]] = {}
    for name, shard in weight_map.items():
        if not isinstance(shard, str) or "/" in shard or \
                shard in ("", ".", ".."):
            raise ValueError(f"{path}: tensor {name!r} is in {shard!r}, "
                             "not a file name beside the index")
        if shard not in shards:
            file = os.path.join(os.path.dirname(path), shard)
            if not os.path.exists(file):
                raise ValueError(f"{path}: shard {shard} is missing")
            shards[shard] = load(file)
        if name not in shards[shard]:
            raise ValueError(f"{path} puts tensor {name!r} in {shard}, "
                             "which has no such tensor")
        tensors[name] = shards[shard][name]
    return tensors
