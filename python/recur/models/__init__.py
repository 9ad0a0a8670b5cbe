"""Model blocks written from the fields of a family's Hugging Face-style
config.json: `FAMILIES` maps a family's name to its module, which has
`parse(Config)`, `build(config)` (the model description), `weight_shapes`
(checkpoint name -> shape) and `reference` (the block in float64 NumPy).

    python3 -m recur.models mamba2 --config config.json -o block.mlir
"""

from . import gated_deltanet, mamba2
from .config import Config, ConfigError

FAMILIES = {module.FAMILY: module for module in (mamba2, gated_deltanet)}


def load_config(family: str, path: str):
    """The parsed config of `family` in the file at `path`."""
    module = FAMILIES[family]
    return module.parse(Config.load(path, family, module.KNOWN))


__all__ = ["FAMILIES", "Config", "ConfigError", "load_config"]
