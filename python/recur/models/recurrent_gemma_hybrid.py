"""The hybrid stack of Griffin / RecurrentGemma (Hugging Face's
RecurrentGemmaConfig): recurrent (RG-LRU) and local attention layers in the
order of the config's block_types.

Layer i has the type layers_block_type[i], block_types repeated to
num_hidden_layers layers (default ["recurrent", "recurrent", "attention"]
and 26, as in the configuration class), and computes

    h = h + temporal_block(rms_norm(h) * (1 + temporal_pre_norm.weight))
                                                    eps rms_norm_eps

with the temporal block of the `recurrent_gemma` family (recurrent_gemma.py)
or of the `recurrent_gemma_attention` family (recurrent_gemma_attention.py),
its weights under "model.layers.i.temporal_block." and the pre-norm's
"model.layers.i.temporal_pre_norm.weight", as in the checkpoints. The
layers' MLP blocks (channel_pre_norm, mlp_block), which mix channels, not
the sequence, are not part of the description.

States per layer i: a recurrent layer's `layers_i_conv_state` and
`layers_i_recurrent_state` (their next values returned as `..._out`), an
attention layer's `layers_i_k_cache` and `layers_i_v_cache` [B, S, Hkv, D]
(S shared by every attention layer), with the new tokens' keys and values
returned as `layers_i_k_new` and `layers_i_v_new` for the caller to append,
and its `layers_i_position` (recurrent_gemma_attention.py).
builder.build_layers writes the stack; `layers(c, count)` gives its
(family, config) per layer. With `python3 -m recur.models
recurrent_gemma_hybrid --layers N` the description holds the first N
layers (default: all of them).
"""

from dataclasses import dataclass
from typing import List, Optional

from . import recurrent_gemma, recurrent_gemma_attention
from .config import Config
from .recurrent_gemma import RecurrentGemmaConfig
from .recurrent_gemma_attention import RecurrentGemmaAttentionConfig

FAMILY = "recurrent_gemma_hybrid"
# The model_type of its configs.
MODEL_TYPE = "recurrent_gemma"

# Every field of RecurrentGemmaConfig (recurrent_gemma.py lists them).
KNOWN = recurrent_gemma.KNOWN

# Where the layers are in the checkpoint (each layer's family has the same).
LAYERS_PREFIX = recurrent_gemma.LAYERS_PREFIX

RECURRENT, ATTENTION = "recurrent", "attention"


@dataclass
class RecurrentGemmaHybridConfig:
    types: List[str]                  # "recurrent" / "attention" per layer
    hidden_size: int
    rms_norm_eps: float
    recurrent: Optional[RecurrentGemmaConfig] = None
    attention: Optional[RecurrentGemmaAttentionConfig] = None

    @property
    def norm_eps(self) -> float:
        return self.rms_norm_eps


def parse(config: Config) -> RecurrentGemmaHybridConfig:
    """The stack's fields, checked; a ConfigError names the bad one. Only
    the fields of the layer types the stack has are read."""
    block_types = recurrent_gemma_attention.read_block_types(config)
    count = config.integer("num_hidden_layers", 26)
    types = (block_types * count)[:count]
    return RecurrentGemmaHybridConfig(
        types=types, hidden_size=config.integer("hidden_size"),
        rms_norm_eps=config.number("rms_norm_eps", 1e-6),
        recurrent=recurrent_gemma.parse(config) if RECURRENT in types
        else None,
        attention=recurrent_gemma_attention.parse(config)
        if ATTENTION in types else None)


def layers(c: RecurrentGemmaHybridConfig, count: int = 0) -> List[tuple]:
    """(family, config) of the first `count` layers (0: all), for
    builder.build_layers and the other builder.layers_* functions."""
    if not 0 <= count <= len(c.types):
        raise ValueError(f"{FAMILY}: {count} layers asked, the config has "
                         f"{len(c.types)}")
    kinds = c.types[:count] if count else c.types
    return [(recurrent_gemma, c.recurrent) if kind == RECURRENT
            else (recurrent_gemma_attention, c.attention) for kind in kinds]


__all__ = ["FAMILY", "KNOWN", "RecurrentGemmaHybridConfig", "parse",
           "layers"]
