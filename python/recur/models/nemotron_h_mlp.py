"""The MLP and MoE layers of Nemotron-H (Hugging Face's NemotronHMLP, "-"
in hybrid_override_pattern, and Nemotron-3's NemotronHMoE, "E"), from the
fields of NemotronHConfig: layers whose "mixer" mixes channels only,

    h = h + down_proj(relu(up_proj(rms_norm(h) * norm.weight))^2)

of width intermediate_size (mlp.py's MLPConfig; biases when mlp_bias,
activation mlp_hidden_act, only "relu2"), or a mixture of n_routed_experts
such MLPs of width moe_intermediate_size, num_experts_per_tok per token,
routed as DeepSeek-V3 (mlp.py's MoEConfig, router "sigmoid": the sigmoid
router with gate.e_score_correction_bias, renormalized with
norm_topk_prob, times routed_scaling_factor), plus the shared expert
shared_experts, an MLP of width moe_shared_expert_intermediate_size. The
weights are under "backbone.layers.i.mixer." (the experts' as
experts.N.up_proj.weight, stacked). Neither has a state. `reference` is
mlp.py's.
"""

from dataclasses import dataclass
from typing import Dict

import numpy as np

from . import attention, mlp
from .config import Config
from .mlp import MLPConfig, MoEConfig

FAMILY = "nemotron_h_mlp"
# The model_type of its configs.
MODEL_TYPE = "nemotron_h"

# Every field of NemotronHConfig (attention.py lists them).
KNOWN = attention.KNOWN


@dataclass(frozen=True)
class NemotronHMLPConfig:
    mlp: object                 # MLPConfig, or MoEConfig for "E" layers
    layer_norm_epsilon: float = 1e-5

    @property
    def hidden_size(self) -> int:
        return self.mlp.hidden_size

    @property
    def norm_eps(self) -> float:
        return self.layer_norm_epsilon


def _activation(config: Config) -> None:
    if config.text("mlp_hidden_act", "relu2") != "relu2":
        config.unsupported("mlp_hidden_act", "is not supported (only "
                           "\"relu2\")")


def parse(config: Config) -> NemotronHMLPConfig:
    """The layer's fields, checked; a ConfigError names the bad one."""
    _activation(config)
    return NemotronHMLPConfig(
        mlp=MLPConfig(hidden_size=config.integer("hidden_size"),
                      intermediate_size=config.integer("intermediate_size",
                                                       21504),
                      activation="relu2",
                      bias=config.boolean("mlp_bias", False)),
        layer_norm_epsilon=config.number("layer_norm_epsilon", 1e-5))


def parse_moe(config: Config) -> NemotronHMLPConfig:
    """An "E" layer's fields, checked; a ConfigError names the bad one."""
    _activation(config)
    if config.boolean("mlp_bias", False):
        config.unsupported("mlp_bias", "true is not supported in MoE "
                           "layers")
    experts = config.integer("n_routed_experts")
    c = MoEConfig(
        hidden_size=config.integer("hidden_size"), num_experts=experts,
        experts_per_token=config.integer("num_experts_per_tok"),
        expert_size=config.integer("moe_intermediate_size"),
        shared_expert_size=config.integer(
            "moe_shared_expert_intermediate_size"),
        norm_topk_prob=config.boolean("norm_topk_prob", True),
        activation="relu2", router="sigmoid",
        routed_scale=config.number("routed_scaling_factor", 1.0),
        gated_experts=False, shared_prefix="shared_experts.")
    if c.experts_per_token > experts:
        raise config.fail("num_experts_per_tok", f"({c.experts_per_token}) "
                          f"must be at most n_routed_experts ({experts})")
    # Grouped top-k keeps every expert where every group is kept.
    groups = config.integer("n_group", 1)
    if config.integer("topk_group", 1) < groups:
        config.unsupported("topk_group", f"less than n_group ({groups}) is "
                           "not supported (grouped top-k)")
    if config.integer("n_shared_experts", 1) != 1:
        config.unsupported("n_shared_experts", "other than 1 is not "
                           "supported")
    if config.fields.get("moe_latent_size") is not None:
        config.unsupported("moe_latent_size", "is not supported (only "
                           "null)")
    return NemotronHMLPConfig(
        mlp=c, layer_norm_epsilon=config.number("layer_norm_epsilon", 1e-5))


# For stacks (builder.py): as the other Nemotron-H layers.
LAYERS_PREFIX = attention.LAYERS_PREFIX
MIXER_PREFIX = attention.MIXER_PREFIX
PRE_NORM = attention.PRE_NORM
PRE_NORM_OFFSET = attention.PRE_NORM_OFFSET


def matrix_weights(c: NemotronHMLPConfig):
    """The weights multiplied as matrices (kept in a checkpoint's bf16)."""
    return mlp.matrix_weights(c.mlp)


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
