"""The MLP layers of Nemotron-H (Hugging Face's NemotronHMLP; "-" in
hybrid_override_pattern), from the fields of NemotronHConfig: a layer
whose "mixer" mixes channels only,

    h = h + down_proj(relu(up_proj(rms_norm(h) * norm.weight))^2)

of width intermediate_size (mlp.py's MLPConfig; biases when mlp_bias,
activation mlp_hidden_act, only "relu2"), its weights under
"backbone.layers.i.mixer.". It has no state. `reference` is mlp.py's.
"""

from dataclasses import dataclass
from typing import Dict

import numpy as np

from . import attention, mlp
from .config import Config
from .mlp import MLPConfig

FAMILY = "nemotron_h_mlp"
# The model_type of its configs.
MODEL_TYPE = "nemotron_h"

# Every field of NemotronHConfig (attention.py lists them).
KNOWN = attention.KNOWN


@dataclass(frozen=True)
class NemotronHMLPConfig:
    mlp: MLPConfig
    layer_norm_epsilon: float = 1e-5

    @property
    def hidden_size(self) -> int:
        return self.mlp.hidden_size

    @property
    def norm_eps(self) -> float:
        return self.layer_norm_epsilon


def parse(config: Config) -> NemotronHMLPConfig:
    """The layer's fields, checked; a ConfigError names the bad one."""
    if config.text("mlp_hidden_act", "relu2") != "relu2":
        config.unsupported("mlp_hidden_act", "is not supported (only "
                           "\"relu2\")")
    return NemotronHMLPConfig(
        mlp=MLPConfig(hidden_size=config.integer("hidden_size"),
                      intermediate_size=config.integer("intermediate_size",
                                                       21504),
                      activation="relu2",
                      bias=config.boolean("mlp_bias", False)),
        layer_norm_epsilon=config.number("layer_norm_epsilon", 1e-5))


# For stacks (builder.py): as the other Nemotron-H layers.
LAYERS_PREFIX = attention.LAYERS_PREFIX
MIXER_PREFIX = attention.MIXER_PREFIX
PRE_NORM = attention.PRE_NORM
PRE_NORM_OFFSET = attention.PRE_NORM_OFFSET
MATRIX_WEIGHTS = ("up_proj.weight", "down_proj.weight")


def weight_shapes(c: NemotronHMLPConfig) -> Dict[str, tuple]:
    return mlp.weight_shapes(c.mlp)


def state_shapes(c: NemotronHMLPConfig) -> Dict[str, tuple]:
    return {}


def random_weights(c, rand) -> Dict[str, np.ndarray]:
    return mlp.random_weights(c.mlp, rand)


def emit(f, c: NemotronHMLPConfig, x, w):
    """The layer's ops in `f`: (out,)."""
    return (mlp.emit(f, c.mlp, x, w),)


def reference(c: NemotronHMLPConfig, weights: Dict[str, np.ndarray],
              x: np.ndarray):
    """The layer in float64: (out,)."""
    return (mlp.reference(c.mlp, weights, x),)


__all__ = ["FAMILY", "KNOWN", "NemotronHMLPConfig", "parse",
           "weight_shapes", "state_shapes", "random_weights", "emit",
           "reference"]
