"""The whole models of flash-linear-attention's families (GLAForCausalLM,
RetNetForCausalLM, HGRN2ForCausalLM), from the fields of their configs.

Each layer is the family's block after attn_norm, then fla's GatedMLP
after mlp_norm (mlp.py: SwiGLU, gate_proj / up_proj / down_proj without
biases) of intermediate_size, or, when it is null, int(d hidden_ratio
2 / 3) rounded up to a multiple of 256 (hidden_ratio default 4); the
norms are RMSNorms of norm_eps. The model: model.embeddings, the layers
under model.layers, model.norm, lm_head (tie_word_embeddings default
false). HGRN2's lower bounds (model.lower_bounds) are read by its layers
(hgrn2.py).
"""

from typing import List

from . import builder, gla, hgrn2, retnet
from .config import Config
from .mlp import GatedMLPConfig


class FlaModel:
    """The whole model of one fla family (whole.py's family interface)."""

    EMBEDDING = "model.embeddings.weight"
    FINAL_NORM = "model.norm.weight"
    TIED_BY_DEFAULT = False
    LAYERS_DEFAULT = 24

    def __init__(self, block):
        self.block = block
        self.FAMILY = f"{block.FAMILY}_model"
        self.MODEL_TYPE = block.MODEL_TYPE
        self.KNOWN = block.KNOWN

    def layers(self, config: Config, count: int) -> List[builder.Layer]:
        """The model's `count` layers (num_hidden_layers)."""
        c = self.block.parse(config)
        hidden = config.integer("hidden_size")
        if config.fields.get("intermediate_size") is not None:
            width = config.integer("intermediate_size")
        else:
            ratio = config.number("hidden_ratio", 4)
            width = int(hidden * ratio * 2 / 3)
            width = 256 * ((width + 255) // 256)
        mlp = GatedMLPConfig(hidden_size=hidden, intermediate_size=width)
        return [builder.Layer(self.block, c, mlp)] * count


MODELS = [FlaModel(block) for block in (gla, retnet, hgrn2)]

__all__ = ["FlaModel", "MODELS"]
