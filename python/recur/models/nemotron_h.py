"""The hybrid stack of Nemotron-H (Hugging Face's NemotronHConfig): Mamba-2
layers and attention layers in the order of the config's pattern.

Each layer i, of the type hybrid_override_pattern[i] ("M" a Mamba-2 mixer,
"*" an attention layer, "-" an MLP, "E" a mixture of experts; or
layers_block_type[i], "mamba" / "linear_attention", "attention" /
"full_attention", "mlp" and "moe"), computes

    h = h + mixer(rms_norm(h) * norm.weight)        eps layer_norm_epsilon

with the mixer of the `mamba2` family (mamba2.py), of the `attention`
family (attention.py) or of the `nemotron_h_mlp` family (a squared-ReLU
MLP, or Nemotron-3's mixture of such MLPs, nemotron_h_mlp.py), its weights
under "backbone.layers.i.mixer." and the pre-norm's
"backbone.layers.i.norm.weight", as in the checkpoints.

The config's fields map onto the layers' configs: mamba_num_heads,
mamba_head_dim, ssm_state_size, n_groups, conv_kernel, use_conv_bias,
use_bias (the Mamba projections' biases) and layer_norm_epsilon (also the
gated norm's) onto mamba2.Mamba2Config (its inner size is mamba_num_heads
x mamba_head_dim, whatever `expand` says); the attention fields as in
attention.parse. The legacy names (mamba_n_groups, mamba_d_conv,
mamba_conv_bias, mamba_dt_limit) win over the current ones, as in the
configuration class.

States per layer i: a Mamba-2 layer's `layers_i_conv_state` and
`layers_i_ssm_state` (their next values returned as `..._out`), an
attention layer's `layers_i_k_cache` and `layers_i_v_cache` [B, S, Hkv, D]
(S shared by every attention layer) with the new tokens' keys and values
returned as `layers_i_k_new` and `layers_i_v_new`, which the caller appends
(attention.py). builder.build_layers writes the stack; `layers(c, count)`
gives its (family, config) per layer. With `python3 -m recur.models
nemotron_h --layers N` the description holds the pattern's first N layers
(default: all of them).
"""

from dataclasses import dataclass
from typing import List, Optional

from . import attention, limits, mamba2, nemotron_h_mlp
from .attention import AttentionConfig
from .config import Config, shown
from .mamba2 import Mamba2Config
from .nemotron_h_mlp import NemotronHMLPConfig

FAMILY = "nemotron_h"
# The model_type of its configs.
MODEL_TYPE = "nemotron_h"

# Every field of NemotronHConfig (attention.py lists them).
KNOWN = attention.KNOWN

# Where the layers are in the checkpoint (each layer's family has the same).
LAYERS_PREFIX = "backbone.layers"

# The layer types: pattern character or layers_block_type name -> family.
MAMBA, ATTENTION, MLP, MOE = "M", "*", "-", "E"
TYPES = {"M": MAMBA, "mamba": MAMBA, "linear_attention": MAMBA,
         "*": ATTENTION, "attention": ATTENTION,
         "full_attention": ATTENTION, "-": MLP, "mlp": MLP, "E": MOE,
         "moe": MOE}


@dataclass
class NemotronHConfig:
    pattern: str                      # "M", "*", "-" and "E", one a layer
    hidden_size: int
    layer_norm_epsilon: float
    mamba: Optional[Mamba2Config] = None
    attention: Optional[AttentionConfig] = None
    mlp: Optional[NemotronHMLPConfig] = None
    moe: Optional[NemotronHMLPConfig] = None

    @property
    def norm_eps(self) -> float:
        return self.layer_norm_epsilon


def _pattern(config: Config) -> str:
    """The layer types as a pattern of "M", "*", "-" and "E"."""
    if config.fields.get("layers_block_type") is not None:
        field = "layers_block_type"
        types = config.fields[field]
        if not isinstance(types, list) or not types or \
                not all(isinstance(t, str) for t in types):
            raise config.fail(field, "must be a non-empty list of strings")
    else:
        field = "hybrid_override_pattern"
        types = config.text(field)
        if not types:
            raise config.fail(field, "must not be empty")
    if len(types) > limits.MAX_LAYERS:
        raise config.fail(field, f"has {len(types)} layers, more than "
                          f"{limits.MAX_LAYERS}")
    pattern = ""
    for layer, kind in enumerate(types):
        if kind not in TYPES:
            raise config.fail(field, f"layer {layer} has the unknown type "
                              f"{shown(kind)}")
        pattern += TYPES[kind]
    return pattern


def _legacy(config: Config, name: str, legacy: str) -> str:
    """The field that gives `name`: its legacy name where present."""
    return legacy if legacy in config.fields else name


def _mamba(config: Config, hidden: int, eps: float) -> Mamba2Config:
    c = Mamba2Config(
        hidden_size=hidden,
        state_size=config.integer("ssm_state_size", 128),
        num_heads=config.integer("mamba_num_heads", 128),
        head_dim=config.integer("mamba_head_dim", 64),
        n_groups=config.integer(_legacy(config, "n_groups",
                                        "mamba_n_groups"), 8),
        conv_kernel=config.integer(_legacy(config, "conv_kernel",
                                           "mamba_d_conv"), 4),
        layer_norm_epsilon=eps,
        use_bias=config.boolean("use_bias", False),
        use_conv_bias=config.boolean(_legacy(config, "use_conv_bias",
                                             "mamba_conv_bias"), True))
    if c.num_heads % c.n_groups:
        raise config.fail(_legacy(config, "n_groups", "mamba_n_groups"),
                          f"({c.n_groups}) must divide mamba_num_heads "
                          f"({c.num_heads})")
    if config.text("mamba_hidden_act", "silu") != "silu":
        config.unsupported("mamba_hidden_act", "is not supported (only "
                           "\"silu\")")
    if config.boolean("mamba_proj_bias", False):
        config.unsupported("mamba_proj_bias", "true is not supported (the "
                           "Mamba projections' biases follow use_bias)")
    mamba2.check_time_step_limit(
        config, _legacy(config, "time_step_limit", "mamba_dt_limit"))
    return c


def parse(config: Config) -> NemotronHConfig:
    """The stack's fields, checked; a ConfigError names the bad one. Only
    the fields of the layer types the pattern has are read."""
    pattern = _pattern(config)
    hidden = config.integer("hidden_size")
    eps = config.number("layer_norm_epsilon", 1e-5)
    # Nemotron-3's configs repeat the eps as norm_eps.
    if config.fields.get("norm_eps", eps) != eps:
        config.unsupported("norm_eps", f"other than layer_norm_epsilon "
                           f"({eps}) is not supported")
    attention.ignore_rotary_fields(config)
    return NemotronHConfig(
        pattern=pattern, hidden_size=hidden, layer_norm_epsilon=eps,
        mamba=_mamba(config, hidden, eps) if MAMBA in pattern else None,
        attention=attention.parse(config) if ATTENTION in pattern
        else None,
        mlp=nemotron_h_mlp.parse(config) if MLP in pattern else None,
        moe=nemotron_h_mlp.parse_moe(config) if MOE in pattern else None)


def layers(c: NemotronHConfig, count: int = 0) -> List[tuple]:
    """(family, config) of the first `count` layers (0: all), for
    builder.build_layers and the other builder.layers_* functions."""
    if not 0 <= count <= len(c.pattern):
        raise ValueError(f"{FAMILY}: {count} layers asked, the pattern "
                         f"{c.pattern!r} has {len(c.pattern)}")
    kinds = c.pattern[:count] if count else c.pattern
    families = {MAMBA: (mamba2, c.mamba), ATTENTION: (attention, c.attention),
                MLP: (nemotron_h_mlp, c.mlp), MOE: (nemotron_h_mlp, c.moe)}
    return [families[kind] for kind in kinds]


__all__ = ["FAMILY", "KNOWN", "NemotronHConfig", "parse", "layers"]
