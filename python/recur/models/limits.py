"""The upper bound of every number a family's config gives: a size may be
up to FACTOR times the largest value the family's published models use, a
hyperparameter (an epsilon, a rotary base) up to a fixed bound far beyond
any trained model's, a layer count up to MAX_LAYERS.

Bounded sizes keep the front end and the compiler in bounded time and
memory (the compiler unrolls a conv's kernel width; a description holds
sizes as static dims) and every product of sizes a description computes
far inside int64: no tensor of a description may exceed MAX_ELEMENTS
elements (the command line checks it, a guard on the table below).
`Config` (config.py) checks each field it reads against `bound`, so every
family gets the checks.
"""

from typing import Dict, NamedTuple, Union

Number = Union[int, float]

# How far beyond the largest published value a size may go.
FACTOR = 16

# The most layers a config or `--layers` may give: the deepest published
# model of these families, Nemotron-H-56B (118 layers), times about 8.
MAX_LAYERS = 1024

# The most elements of one weight or state (less its dynamic dims): 2^48,
# whose byte count (8 bytes an element at most) is far inside int64. The
# largest weight the bounds above allow (Nemotron-H's in_proj at 16 times
# every size) has about 2^40; the largest published one about 2^28.
MAX_ELEMENTS = 2 ** 48

KIMI = "moonshotai/Kimi-Linear-48B-A3B"

# Each family's size fields: (the largest value in the family's published
# models, the model that has it). Families that read another family's
# config class share its table (CONFIG_CLASS).
PUBLISHED: Dict[str, Dict[str, tuple]] = {
    "mamba": {
        "hidden_size": (4096, "tiiuae/falcon-mamba-7b"),
        "intermediate_size": (8192, "tiiuae/falcon-mamba-7b"),
        "state_size": (16, "every Mamba-1 model"),
        "expand": (2, "every Mamba-1 model"),
        "conv_kernel": (4, "every Mamba-1 model"),
        "time_step_rank": (256, "tiiuae/falcon-mamba-7b"),
    },
    "mamba2": {
        "hidden_size": (4096, "mistralai/Mamba-Codestral-7B-v0.1"),
        "num_heads": (128, "mistralai/Mamba-Codestral-7B-v0.1"),
        "head_dim": (64, "every Mamba-2 model"),
        "state_size": (128, "every Mamba-2 model"),
        "n_groups": (8, "mistralai/Mamba-Codestral-7B-v0.1"),
        "expand": (2, "every Mamba-2 model"),
        "conv_kernel": (4, "every Mamba-2 model"),
    },
    "nemotron_h": {
        "hidden_size": (8192, "nvidia/Nemotron-H-56B-Base-8K"),
        "num_attention_heads": (64, "nvidia/Nemotron-H-56B-Base-8K"),
        # 8 in Nemotron-H-56B; a config without grouping has one per
        # query head, so the bound is that of num_attention_heads.
        "num_key_value_heads": (64, "nvidia/Nemotron-H-56B-Base-8K"),
        "head_dim": (128, "nvidia/Nemotron-H-56B-Base-8K"),
        "attention_head_dim": (128, "nvidia/Nemotron-H-56B-Base-8K"),
        "mamba_num_heads": (256, "nvidia/Nemotron-H-56B-Base-8K"),
        "mamba_head_dim": (64, "nvidia/Nemotron-H-56B-Base-8K"),
        "ssm_state_size": (256, "nvidia/Nemotron-H-56B-Base-8K"),
        "n_groups": (8, "nvidia/Nemotron-H-56B-Base-8K"),
        "mamba_n_groups": (8, "nvidia/Nemotron-H-56B-Base-8K"),
        "conv_kernel": (4, "every Nemotron-H model"),
        "mamba_d_conv": (4, "every Nemotron-H model"),
        "intermediate_size": (32768, "nvidia/Nemotron-H-56B-Base-8K"),
        # Nemotron-3's MoE layers.
        "n_routed_experts": (128, "nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B"),
        "num_experts_per_tok": (6, "nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B"),
        "moe_intermediate_size": (1856,
                                  "nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B"),
        "moe_shared_expert_intermediate_size": (
            3712, "nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B"),
        "n_shared_experts": (1, "nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B"),
        "n_group": (1, "nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B"),
        "topk_group": (1, "nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B"),
        "routed_scaling_factor": (2.5,
                                  "nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B"),
    },
    "gated_deltanet": {
        "hidden_size": (2048, "Qwen/Qwen3-Next-80B-A3B"),
        "linear_num_key_heads": (16, "Qwen/Qwen3-Next-80B-A3B"),
        "linear_num_value_heads": (32, "Qwen/Qwen3-Next-80B-A3B"),
        "linear_key_head_dim": (128, "Qwen/Qwen3-Next-80B-A3B"),
        "linear_value_head_dim": (128, "Qwen/Qwen3-Next-80B-A3B"),
        "linear_conv_kernel_dim": (4, "Qwen/Qwen3-Next-80B-A3B"),
        # The whole model's attention and MLP layers.
        "num_attention_heads": (16, "Qwen/Qwen3-Next-80B-A3B"),
        "num_key_value_heads": (16, "num_attention_heads"),
        "head_dim": (256, "Qwen/Qwen3-Next-80B-A3B"),
        "intermediate_size": (5120, "Qwen/Qwen3-Next-80B-A3B"),
        "moe_intermediate_size": (512, "Qwen/Qwen3-Next-80B-A3B"),
        "shared_expert_intermediate_size": (512, "Qwen/Qwen3-Next-80B-A3B"),
        "num_experts": (512, "Qwen/Qwen3-Next-80B-A3B"),
        "num_experts_per_tok": (10, "Qwen/Qwen3-Next-80B-A3B"),
        "full_attention_interval": (4, "Qwen/Qwen3-Next-80B-A3B"),
        "decoder_sparse_step": (1, "Qwen/Qwen3-Next-80B-A3B"),
    },
    "kda": {
        "hidden_size": (2304, "moonshotai/Kimi-Linear-48B-A3B"),
        "linear_attn_config.num_heads": (32,
                                         "moonshotai/Kimi-Linear-48B-A3B"),
        "linear_attn_config.head_dim": (128,
                                        "moonshotai/Kimi-Linear-48B-A3B"),
        "linear_attn_config.short_conv_kernel_size": (
            4, "moonshotai/Kimi-Linear-48B-A3B"),
        # The whole model's MLA and MLP layers.
        "num_attention_heads": (32, KIMI),
        "kv_lora_rank": (512, KIMI),
        "qk_nope_head_dim": (128, KIMI),
        "qk_rope_head_dim": (64, KIMI),
        "v_head_dim": (128, KIMI),
        "intermediate_size": (9216, KIMI),
        "moe_intermediate_size": (1024, KIMI),
        "num_experts": (256, KIMI),
        "num_experts_per_token": (8, KIMI),
        "num_shared_experts": (1, KIMI),
        "num_expert_group": (1, KIMI),
        "topk_group": (1, KIMI),
        "first_k_dense_replace": (1, KIMI),
        "moe_layer_freq": (1, KIMI),
        "routed_scaling_factor": (2.446, KIMI),
    },
    # fla-hub's checkpoints (e.g. fla-hub/gla-1.3B-100B) use fla's
    # default head counts and expansions.
    "gla": {
        "hidden_size": (2048, "fla-hub/gla-1.3B-100B"),
        "num_heads": (4, "fla-hub/gla-1.3B-100B"),
        "num_kv_heads": (4, "fla-hub/gla-1.3B-100B"),
        "expand_k": (0.5, "fla-hub/gla-1.3B-100B"),
        "expand_v": (1, "fla-hub/gla-1.3B-100B"),
        "conv_size": (4, "fla's default"),
        # The whole model's MLP (fla's GatedMLP at hidden_size 2048).
        "intermediate_size": (5632, "fla's default at hidden_size 2048"),
        "hidden_ratio": (4, "fla's default"),
    },
    "retnet": {
        "hidden_size": (2048, "fla-hub's 1.3B checkpoints"),
        "num_heads": (8, "fla's default"),
        "num_kv_heads": (8, "fla's default"),
        "expand_k": (1, "fla's default"),
        "expand_v": (2, "fla's default"),
        "conv_size": (4, "fla's default"),
        # The whole model's MLP (fla's GatedMLP at hidden_size 2048).
        "intermediate_size": (5632, "fla's default at hidden_size 2048"),
        "hidden_ratio": (4, "fla's default"),
    },
    "hgrn2": {
        "hidden_size": (2048, "fla-hub's 1.3B checkpoints"),
        "expand_ratio": (128, "fla's default"),
        "num_heads": (16, "2048 / 128 at fla's default"),
        "conv_size": (4, "fla's default"),
        # The whole model's MLP (fla's GatedMLP at hidden_size 2048).
        "intermediate_size": (5632, "fla's default at hidden_size 2048"),
        "hidden_ratio": (4, "fla's default"),
    },
    "rwkv6": {
        "hidden_size": (4096, "RWKV/v6-Finch-7B-HF"),
        "attention_hidden_size": (4096, "RWKV/v6-Finch-7B-HF"),
        "head_size": (64, "every RWKV-6 model"),
        "head_size_divisor": (8, "every RWKV-6 model"),
        # The whole model's channel mix.
        "intermediate_size": (14336, "RWKV/v6-Finch-7B-HF"),
    },
    "recurrent_gemma": {
        "hidden_size": (4096, "google/recurrentgemma-9b"),
        "lru_width": (4096, "google/recurrentgemma-9b"),
        "num_attention_heads": (16, "google/recurrentgemma-9b"),
        # 1 (multi-query attention) in every model; a config without
        # grouping has one per query head.
        "num_key_value_heads": (16, "google/recurrentgemma-9b"),
        "head_dim": (256, "google/recurrentgemma-9b"),
        "conv1d_width": (4, "every RecurrentGemma model"),
        "attention_window_size": (2048, "every RecurrentGemma model"),
        # The whole model's MLP blocks (half as wide).
        "intermediate_size": (24576, "google/recurrentgemma-9b"),
    },
    # No minGRU checkpoint at scale is published; lucidrains' minLM trains
    # dim 512 with expansion 1.5.
    "mingru": {
        "hidden_size": (512, "lucidrains' minLM"),
        "expansion_factor": (1.5, "lucidrains' minLM"),
    },
}

# The families that read another family's config class (its table).
CONFIG_CLASS = {
    "attention": "nemotron_h",
    "qwen3_next": "gated_deltanet",
    "kimi_linear": "kda",
    "qwen3_5": "gated_deltanet",
    "qwen3_next_attention": "gated_deltanet",
    "recurrent_gemma_model": "recurrent_gemma",
    "nemotron_h_mlp": "nemotron_h",
    "nemotron_h_model": "nemotron_h",
    "recurrent_gemma_attention": "recurrent_gemma",
    "recurrent_gemma_hybrid": "recurrent_gemma",
}

# Fields that are not sizes, alike in every family: (the bound of the
# value, or of its magnitude where it may be negative; what it is).
FIXED = {
    "num_hidden_layers": (MAX_LAYERS, "the most layers recur.models takes"),
    "n_layer": (MAX_LAYERS, "the most layers recur.models takes"),
    # Published vocabularies reach 262144 (Gemma 3); a whole model's
    # embedding and lm_head are vocab_size x hidden_size.
    "vocab_size": (FACTOR * 262144, f"{FACTOR} times the largest published "
                   "vocabulary, 262144 in Gemma 3"),
    # Trained models use 1e-6 to 1e-5.
    "layer_norm_epsilon": (1.0, "a normalization epsilon"),
    "rms_norm_eps": (1.0, "a normalization epsilon"),
    "norm_eps": (1.0, "a normalization epsilon"),
    "partial_rotary_factor": (1.0, "a fraction of each head"),
    "rope_parameters.partial_rotary_factor": (1.0,
                                              "a fraction of each head"),
    # RecurrentGemma uses 10000, long-context models of other families
    # up to 1e7.
    "rope_theta": (1e9, "a rotary base"),
    "rope_parameters.rope_theta": (1e9, "a rotary base"),
    # RecurrentGemma's cap of the logits (30).
    "logits_soft_cap": (1e4, "a cap of the logits"),
    # GLA's lower bound of a log decay: below -104 every decay is 0 in f32.
    "clamp_min": (1e4, "a log decay"),
}


class Bound(NamedTuple):
    limit: Number
    why: str           # for a message: where the limit comes from


def bound(family: str, field: str) -> Bound:
    """The bound of `field` in `family`'s config. Every field the family
    reads as a number has one: a missing one is a bug of this table."""
    published = PUBLISHED.get(CONFIG_CLASS.get(family, family), {})
    if field in published:
        value, model = published[field]
        return Bound(FACTOR * value, f"{FACTOR} times the largest "
                     f"published value, {value} in {model}")
    if field in FIXED:
        return Bound(*FIXED[field])
    raise KeyError(f"limits.py has no bound for the {family} config's "
                   f"field '{field}'")


def elements(shape) -> int:
    """The element count of a shape; a named (dynamic) dim counts 1."""
    count = 1
    for dim in shape:
        count *= dim if isinstance(dim, int) else 1
    return count
