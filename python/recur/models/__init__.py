"""Model blocks written from the fields of a family's Hugging Face-style
config.json: `FAMILIES` maps a family's name to its module, which has
`parse(Config)`, `emit` (the block's ops), `weight_shapes` (checkpoint
name -> shape), `state_shapes` and `reference` (the block in float64
NumPy); `builder` writes a block or a stack of layers as a model
description; `limits` bounds every number a config gives.

    python3 -m recur.models mamba2 --config config.json -o block.mlir
    python3 -m recur.models mamba2 --config config.json --layers 2 -o stack.mlir
"""

from . import gated_deltanet, mamba2
from . import recurrent_gemma
from . import gla, hgrn2, retnet
from . import mamba, mingru
from . import kda
from . import rwkv6
from . import attention, nemotron_h
from . import recurrent_gemma_attention, recurrent_gemma_hybrid
from .config import Config, ConfigError

FAMILIES = {module.FAMILY: module for module in (mamba2, gated_deltanet,
                                                recurrent_gemma, gla, kda)}

FAMILIES[mamba.FAMILY] = mamba
FAMILIES[mingru.FAMILY] = mingru

FAMILIES[rwkv6.FAMILY] = rwkv6
FAMILIES[attention.FAMILY] = attention
FAMILIES[nemotron_h.FAMILY] = nemotron_h
FAMILIES[recurrent_gemma_attention.FAMILY] = recurrent_gemma_attention
FAMILIES[recurrent_gemma_hybrid.FAMILY] = recurrent_gemma_hybrid
FAMILIES[retnet.FAMILY] = retnet
FAMILIES[hgrn2.FAMILY] = hgrn2


def load_config(family: str, path: str):
    """The parsed config of `family` in the file at `path`."""
    module = FAMILIES[family]
    return module.parse(read_config(family, path))


def read_config(family: str, path: str) -> Config:
    """The fields of `family`'s config.json at `path` (its model_type
    checked)."""
    module = FAMILIES[family]
    return Config.load(path, family, module.KNOWN, module.MODEL_TYPE)


__all__ = ["FAMILIES", "Config", "ConfigError", "load_config",
           "read_config"]
