"""Float64 NumPy reference implementations (the oracles) of the recur ops.

Each function follows the op semantics of docs/ops.md (the ops' ODS
descriptions) and nothing else: inputs of any float dtype
are converted to float64, every result is float64, and recurrences are
computed token by token in the plainest form.  Execution tests compare
compiled code against these.

Ops: ``scan``, ``selective_scan``, ``linear_attention``, ``attention``,
``conv1d``.  Helpers: ``to_float64``, ``softplus``, ``sigmoid``, ``silu``,
``round_to_dtype``, ``bf16_bits``, ``bf16_from_bits``.
"""

import numpy as np

__all__ = [
    "to_float64", "softplus", "sigmoid", "silu",
    "round_to_dtype", "bf16_bits", "bf16_from_bits",
    "scan", "selective_scan", "linear_attention", "attention", "conv1d",
    "log_sigmoid", "gelu_tanh", "linear", "rms_norm", "gated_rms_norm",
    "l2_normalize",
]


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------

def to_float64(x):
    """Return ``x`` as a float64 ndarray (None stays None)."""
    if x is None:
        return None
    return np.asarray(x, dtype=np.float64)


def softplus(x):
    """softplus(x) = log1p(exp(x)), and x itself where x > 20 (as PyTorch)."""
    x = to_float64(x)
    return np.where(x > 20.0, x, np.log1p(np.exp(np.minimum(x, 20.0))))


def sigmoid(x):
    """sigmoid(x) = 1 / (1 + exp(-x)), computed without overflow."""
    x = to_float64(x)
    e = np.exp(-np.abs(x))  # in (0, 1]
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def silu(x):
    """silu(x) = x * sigmoid(x)."""
    x = to_float64(x)
    return x * sigmoid(x)


def bf16_bits(x):
    """Float array -> uint16 array of bfloat16 bits.

    The value is first taken to float32, then rounded to the upper 16 bits of
    its bit pattern with round-to-nearest-even.  NaN stays a (quiet) NaN with
    its sign; overflow rounds to infinity as IEEE rounding does.
    """
    with np.errstate(over="ignore"):
        f = np.asarray(x, dtype=np.float32)
    bits = f.view(np.uint32).astype(np.uint64)
    lsb = (bits >> np.uint64(16)) & np.uint64(1)
    rounded = (bits + np.uint64(0x7FFF) + lsb) >> np.uint64(16)
    nan = (bits >> np.uint64(16)) | np.uint64(0x0040)  # keep sign, force quiet
    out = np.where(np.isnan(f), nan, rounded)
    return out.astype(np.uint16)


def bf16_from_bits(bits):
    """uint16 array of bfloat16 bits -> float32 array (exact)."""
    b = np.asarray(bits, dtype=np.uint16).astype(np.uint32) << np.uint32(16)
    return b.view(np.float32)


_DTYPE_ALIASES = {
    "f64": "f64", "float64": "f64",
    "f32": "f32", "float32": "f32",
    "f16": "f16", "float16": "f16",
    "bf16": "bf16", "bfloat16": "bf16",
}


def round_to_dtype(x, dtype):
    """Round float64 values to what storage ``dtype`` holds; return float64.

    ``dtype`` is "f64", "f32", "f16" or "bf16" (or the long names
    "float32", ...).  bf16 goes through float32 and then round-to-nearest-even
    on the float32 bit pattern (see ``bf16_bits``).
    """
    x = to_float64(x)
    kind = _DTYPE_ALIASES.get(str(dtype))
    if kind is None:
        raise ValueError(f"unknown dtype {dtype!r}")
    if kind == "f64":
        return x.copy()
    with np.errstate(over="ignore"):          # overflow rounds to +-inf
        if kind == "f32":
            return x.astype(np.float32).astype(np.float64)
        if kind == "f16":
            return x.astype(np.float16).astype(np.float64)
    return bf16_from_bits(bf16_bits(x)).astype(np.float64)


# --------------------------------------------------------------------------
# recur.scan
# --------------------------------------------------------------------------

def scan(a, b, h0=None, reverse=False):
    """Diagonal linear recurrence.

    a, b: [B, T, D...]; h0: [B, D...] or None (zeros).
    Forward:  h_t = a_t * h_{t-1} + b_t,  h_{-1} = h0,  t = 0 .. T-1.
    Reverse:  h_t = a_t * h_{t+1} + b_t,  h_{T}  = h0,  t = T-1 .. 0.
    Returns (h [B, T, D...], h_last [B, D...]), h_last being the state after
    the last step taken (t = T-1 forward, t = 0 reverse; h0 when T == 0).
    """
    a, b = to_float64(a), to_float64(b)
    if a.shape != b.shape or a.ndim < 3:
        raise ValueError(f"a {a.shape} and b {b.shape} must both be [B,T,D...]")
    state_shape = (a.shape[0],) + a.shape[2:]
    h_prev = np.zeros(state_shape) if h0 is None else to_float64(h0).copy()
    if h_prev.shape != state_shape:
        raise ValueError(f"h0 {h_prev.shape} must be {state_shape}")
    T = a.shape[1]
    h = np.empty_like(a)
    steps = range(T - 1, -1, -1) if reverse else range(T)
    for t in steps:
        h_prev = a[:, t] * h_prev + b[:, t]
        h[:, t] = h_prev
    return h, h_prev


# --------------------------------------------------------------------------
# recur.selective_scan (Mamba-1 S6)
# --------------------------------------------------------------------------

def selective_scan(u, delta, A, Bm, Cm, D=None, z=None, delta_bias=None,
                   h0=None, delta_softplus=False):
    """Mamba-1 selective scan.

    u, delta: [B,T,D]; A: [D,N]; Bm, Cm: [B,T,G,N] (channel d uses group
    g = d // (D/G)); D (skip): [D]; z: [B,T,D]; delta_bias: [D]; h0: [B,D,N].
      dt = softplus(delta + delta_bias) if delta_softplus else delta + delta_bias
      h_t[d,n] = exp(dt_t[d] A[d,n]) h_{t-1}[d,n] + dt_t[d] Bm_t[g,n] u_t[d]
      y_t[d]   = sum_n Cm_t[g,n] h_t[d,n] + D[d] u_t[d]
      y_t[d]  *= silu(z_t[d])                      (if z is given)
    Returns (y [B,T,D], h_last [B,D,N]).
    """
    u, delta, A = to_float64(u), to_float64(delta), to_float64(A)
    Bm, Cm = to_float64(Bm), to_float64(Cm)
    Bsz, T, Dch = u.shape
    N = A.shape[1]
    G = Bm.shape[2]
    if Dch % G != 0:
        raise ValueError(f"D={Dch} is not a multiple of G={G}")
    if A.shape != (Dch, N) or Bm.shape != (Bsz, T, G, N) or Cm.shape != Bm.shape:
        raise ValueError("inconsistent shapes for A / Bm / Cm")

    dt = delta if delta_bias is None else delta + to_float64(delta_bias)
    if delta_softplus:
        dt = softplus(dt)
    # Give every channel its group's B and C: [B,T,G,N] -> [B,T,D,N].
    Bd = np.repeat(Bm, Dch // G, axis=2)
    Cd = np.repeat(Cm, Dch // G, axis=2)

    h = np.zeros((Bsz, Dch, N)) if h0 is None else to_float64(h0).copy()
    y = np.empty((Bsz, T, Dch))
    for t in range(T):
        dt_t = dt[:, t, :, None]                                   # [B,D,1]
        h = np.exp(dt_t * A) * h + dt_t * Bd[:, t] * u[:, t, :, None]
        y[:, t] = np.sum(Cd[:, t] * h, axis=-1)
    if D is not None:
        y = y + to_float64(D) * u
    if z is not None:
        y = y * silu(z)
    return y, h


# --------------------------------------------------------------------------
# recur.linear_attention
# --------------------------------------------------------------------------

def _decay(g, gate_kind, t):
    """exp(g_t), shaped to broadcast against the state S [B,H,K,V]."""
    if gate_kind == "none":
        return 1.0
    if gate_kind == "head":          # g [H]
        return np.exp(g)[None, :, None, None]
    if gate_kind == "scalar":        # g [B,T,H]
        return np.exp(g[:, t])[:, :, None, None]
    return np.exp(g[:, t])[..., None]  # "key": g [B,T,H,K]


def linear_attention(q, k, v, g=None, gate_kind="none", beta=None, bonus=None,
                     h0=None, scale=None):
    """Matrix-state gated linear attention / delta rule.

    q, k: [B,T,H,K]; v: [B,T,H,V]; state S per (batch, head) is [K,V].
    Gate g (log space, decay = exp(g)) by gate_kind: "none" (g is None),
    "head" g [H], "scalar" g [B,T,H], "key" g [B,T,H,K]; the decay scales
    the K rows of S.  beta [B,T,H] selects the delta rule; bonus [H,K] the
    RWKV-6 read-before-update; h0 [B,H,K,V]; scale defaults to K**-0.5.
      additive: S_t = diag(exp(g_t)) S_{t-1} + k_t v_t^T
      delta:    S'_t = diag(exp(g_t)) S_{t-1}
                S_t  = S'_t + beta_t k_t (v_t - S'_t^T k_t)^T
      read:     o_t = scale * S_t^T q_t
      bonus:    o_t = scale * (S_{t-1}^T q_t + (q_t . (bonus * k_t)) v_t),
                additive update.
    Returns (o [B,T,H,V], h_last [B,H,K,V]).
    """
    q, k, v = to_float64(q), to_float64(k), to_float64(v)
    Bsz, T, H, K = q.shape
    V = v.shape[-1]
    if k.shape != q.shape or v.shape[:3] != (Bsz, T, H):
        raise ValueError("inconsistent shapes for q / k / v")
    if gate_kind not in ("none", "head", "scalar", "key"):
        raise ValueError(f"unknown gate_kind {gate_kind!r}")
    if (g is None) != (gate_kind == "none"):
        raise ValueError(f"gate_kind {gate_kind!r} with g={'absent' if g is None else 'given'}")
    if beta is not None and bonus is not None:
        raise ValueError("bonus and beta (delta rule) cannot be combined")
    g = to_float64(g)
    expected_g = {"none": None, "head": (H,), "scalar": (Bsz, T, H),
                  "key": (Bsz, T, H, K)}[gate_kind]
    if g is not None and g.shape != expected_g:
        raise ValueError(f"g {g.shape} must be {expected_g} for gate_kind {gate_kind!r}")
    beta, bonus = to_float64(beta), to_float64(bonus)
    scale = K ** -0.5 if scale is None else float(scale)

    S = np.zeros((Bsz, H, K, V)) if h0 is None else to_float64(h0).copy()
    o = np.empty((Bsz, T, H, V))
    for t in range(T):
        q_t, k_t, v_t = q[:, t], k[:, t], v[:, t]          # [B,H,K], [B,H,V]
        S_decayed = _decay(g, gate_kind, t) * S
        if bonus is not None:
            u = np.sum(q_t * bonus * k_t, axis=-1)[..., None]  # [B,H,1]
            o[:, t] = scale * (np.einsum("bhkv,bhk->bhv", S, q_t) + u * v_t)
            S = S_decayed + k_t[..., :, None] * v_t[..., None, :]
            continue
        if beta is None:
            S = S_decayed + k_t[..., :, None] * v_t[..., None, :]
        else:
            v_old = np.einsum("bhkv,bhk->bhv", S_decayed, k_t)
            delta = beta[:, t, :, None] * (v_t - v_old)        # [B,H,V]
            S = S_decayed + k_t[..., :, None] * delta[..., None, :]
        o[:, t] = scale * np.einsum("bhkv,bhk->bhv", S, q_t)
    return o, S


# --------------------------------------------------------------------------
# recur.attention
# --------------------------------------------------------------------------

def attention(q, k, v, causal=False, window=0, scale=None):
    """Softmax attention with GQA, causal (bottom-right aligned) and window.

    q: [B,T,H,D]; k: [B,S,Hkv,D]; v: [B,S,Hkv,Dv]; query head h reads kv
    head h // (H/Hkv).  Query i sees key j when
      j <= i + (S - T)            (if causal)
      j >  i + (S - T) - window   (if window > 0)
    o_i = sum_j softmax_j(scale * q_i . k_j) v_j over visible j, 0 if none;
    scale defaults to D**-0.5.  Returns o [B,T,H,Dv].
    """
    q, k, v = to_float64(q), to_float64(k), to_float64(v)
    Bsz, T, H, Dh = q.shape
    S, Hkv = k.shape[1], k.shape[2]
    if H % Hkv != 0:
        raise ValueError(f"H={H} is not a multiple of Hkv={Hkv}")
    scale = Dh ** -0.5 if scale is None else float(scale)
    k = np.repeat(k, H // Hkv, axis=2)                     # [B,S,H,D]
    v = np.repeat(v, H // Hkv, axis=2)                     # [B,S,H,Dv]

    i = np.arange(T)[:, None]
    j = np.arange(S)[None, :]
    visible = np.ones((T, S), dtype=bool)
    if causal:
        visible &= j <= i + (S - T)
    if window > 0:
        visible &= j > i + (S - T) - window

    # Only the keys a query sees take part: masked keys weigh 0 and their
    # values are never read (0 * inf would be NaN). NaN in what a query sees
    # shows in its output; a logit of +inf takes the whole weight (the limit
    # of softmax), since p = 1 where s equals the row max.
    with np.errstate(invalid="ignore", over="ignore"):
        s = scale * np.einsum("bthd,bshd->bhts", q, k)
        s = np.where(visible, s, -np.inf)
        # initial=-inf: S = 0 (no key at all) reduces to -inf, like a row
        # that sees no key, instead of failing on an empty reduction.
        m = np.max(s, axis=-1, keepdims=True,
                   initial=-np.inf)                        # NaN propagates
        p = np.where(s == m, 1.0, np.exp(s - m))
    p = np.where(visible, p, 0.0)
    denom = np.sum(p, axis=-1)                             # [B,H,T]
    o = np.zeros((Bsz, T, H, v.shape[-1]))
    for t in range(T):                                     # 0 where none seen
        seen = visible[t]
        if seen.any():
            o[:, t] = (np.einsum("bhs,bshv->bhv", p[:, :, t, seen], v[:, seen])
                       / denom[:, :, t, None])
    return o


# --------------------------------------------------------------------------
# recur.conv1d
# --------------------------------------------------------------------------

def conv1d(x, w, bias=None, state=None, activation="none"):
    """Causal depthwise convolution.

    x: [B,T,C]; w: [C,W]; bias: [C]; state: [B,W-1,C] (previous W-1 inputs).
    With xp = concat(state or zeros, x) along time (so x_s = xp[W-1+s]):
      y_t[c] = act(bias[c] + sum_{j<W} w[c,j] * xp[t+j][c]),  act in {none, silu}
      state_out = the last W-1 rows of xp.
    Returns (y [B,T,C], state_out [B,W-1,C]).
    """
    x, w = to_float64(x), to_float64(w)
    Bsz, T, C = x.shape
    W = w.shape[1]
    if w.shape[0] != C:
        raise ValueError(f"w {w.shape} must be [C={C}, W]")
    if activation not in ("none", "silu"):
        raise ValueError(f"unknown activation {activation!r}")
    if state is None:
        state = np.zeros((Bsz, W - 1, C))
    state = to_float64(state)
    if state.shape != (Bsz, W - 1, C):
        raise ValueError(f"state {state.shape} must be {(Bsz, W - 1, C)}")

    xp = np.concatenate([state, x], axis=1)                # [B, W-1+T, C]
    y = np.zeros((Bsz, T, C))
    for j in range(W):
        y += w[:, j] * xp[:, j:j + T]
    if bias is not None:
        y += to_float64(bias)
    if activation == "silu":
        y = silu(y)
    return y, xp[:, T:].copy()


# --------------------------------------------------------------------------
# Block pieces: activations, projections, normalizations
# --------------------------------------------------------------------------

def log_sigmoid(x):
    """log(sigmoid(x)) = -softplus(-x), without overflow."""
    x = to_float64(x)
    return np.minimum(x, 0.0) - np.log1p(np.exp(-np.abs(x)))


def gelu_tanh(x):
    """GeLU with the tanh approximation (torch's approximate="tanh")."""
    x = to_float64(x)
    return 0.5 * x * (1.0 + np.tanh(np.sqrt(2.0 / np.pi)
                                    * (x + 0.044715 * x ** 3)))


def linear(x, weight, bias=None):
    """x @ weight.T (+ bias): a torch Linear, weight [out, in]."""
    y = to_float64(x) @ to_float64(weight).T
    return y if bias is None else y + to_float64(bias)


def head_linear(x, weight):
    """Per-head matmuls: x [..., H, in] times weight [H, in, out]
    (each head's own in x out matrix): [..., H, out]."""
    return np.einsum("...hi,hio->...ho", to_float64(x), to_float64(weight))


def rms_norm(x, weight, eps):
    """x / sqrt(mean(x^2 over the last axis) + eps) * weight."""
    x = to_float64(x)
    scale = 1.0 / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps)
    return x * scale * to_float64(weight)


def gated_rms_norm(x, z, weight, eps, norm_before_gate):
    """RMSNorm over the last axis with a SiLU gate z: Mamba-2's
    (norm_before_gate=False: rms_norm(x * silu(z))) or Qwen3-Next's
    (True: rms_norm(x) * silu(z))."""
    if norm_before_gate:
        return rms_norm(x, weight, eps) * silu(z)
    return rms_norm(to_float64(x) * silu(z), weight, eps)


def sigmoid_gated_rms_norm(x, z, weight, eps):
    """RMSNorm over the last axis, then a sigmoid gate z (Kimi Delta
    Attention): rms_norm(x, weight) * sigmoid(z)."""
    return rms_norm(x, weight, eps) * sigmoid(z)


def group_norm(x, groups, weight, bias, eps):
    """torch's GroupNorm over the last axis [..., C]: per group of
    C / groups channels, (x - mean) / sqrt(biased variance + eps), then
    times weight [C] plus bias [C]."""
    x = to_float64(x)
    grouped = x.reshape(x.shape[:-1] + (groups, -1))
    mean = grouped.mean(axis=-1, keepdims=True)
    var = grouped.var(axis=-1, keepdims=True)
    normed = ((grouped - mean) / np.sqrt(var + eps)).reshape(x.shape)
    return normed * to_float64(weight) + to_float64(bias)


def layer_norm(x, weight, bias, eps):
    """torch's LayerNorm over the last axis: group_norm with one group."""
    return group_norm(x, 1, weight, bias, eps)


def token_shift(x, state=None):
    """x [B, T, D] one token later: (y, last) with y_t = x_{t-1},
    x_{-1} = state [B, D] (zeros if None), and last = x_{T-1}."""
    x = to_float64(x)
    first = (np.zeros_like(x[:, 0]) if state is None
             else to_float64(state))
    shifted = np.concatenate([first[:, None], x[:, :-1]], axis=1)
    return shifted, x[:, -1].copy()


def token_positions(position, batch, time):
    """Each token's position [B, T] from `position` [B, 1] (the tokens
    before the call; None: 0), and the next call's position [B, 1]."""
    start = (np.zeros((batch, 1)) if position is None
             else to_float64(position))
    return start + np.arange(time)[None, :], start + time


def l2_normalize(x, eps=1e-6):
    """x / sqrt(sum(x^2 over the last axis) + eps)."""
    x = to_float64(x)
    return x / np.sqrt(np.sum(x * x, axis=-1, keepdims=True) + eps)


def rotary(x, positions, base=10000.0):
    """RoPE of x [B, T, H, D] at positions [B, T] (the halves form): the
    pair (x_i, x_{i + D/2}) rotated by position * base^(-2i/D)."""
    x = to_float64(x)
    half = x.shape[-1] // 2
    freq = base ** (-np.arange(0, 2 * half, 2) / (2 * half))
    angle = to_float64(positions)[:, :, None, None] * freq     # [B, T, 1, D/2]
    a, b = x[..., :half], x[..., half:]
    return np.concatenate([a * np.cos(angle) - b * np.sin(angle),
                           b * np.cos(angle) + a * np.sin(angle)], axis=-1)
