"""Tests of the float64 NumPy oracles in recur.reference.

The references are checked against hand-derived cases, explicit scalar loops,
closed (parallel / masked-matrix) forms and against each other, plus chaining:
running on T tokens equals running on a prefix and then the rest with the
returned state.
"""

import os
import sys
import warnings

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from recur import reference as ref  # noqa: E402


def rng(seed=0):
    return np.random.default_rng(seed)


def close(a, b, tol=1e-12):
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------

def test_softplus_sigmoid_silu():
    x = np.array([-1000.0, -30.0, -1.0, 0.0, 1.0, 19.5, 20.0, 20.5, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sp = ref.softplus(x)
        sg = ref.sigmoid(x)
        si = ref.silu(x)
    assert sp[3] == pytest.approx(np.log(2.0))
    assert sp[4] == pytest.approx(np.log1p(np.e))
    assert sp[6] == np.log1p(np.exp(20.0)) != 20.0           # threshold is x > 20
    assert sp[7] == 20.5 and sp[8] == 1000.0
    assert sp[0] == 0.0 and sp[1] == pytest.approx(np.exp(-30.0), rel=1e-12)
    close(sg, 1.0 / (1.0 + np.exp(-np.clip(x, -700, 700))))
    assert sg[0] == 0.0 and sg[-1] == 1.0
    close(si, x * sg)
    assert ref.softplus(np.float32(1.0)).dtype == np.float64


def test_bf16_known_values():
    vals = np.array([1.0, 1 + 2**-8, 1 + 3 * 2**-8, 3.14159, -3.14159, 0.0, -0.0,
                     2**-7 + 1, np.inf, -np.inf])
    want = np.array([1.0, 1.0, 1 + 2**-6, 3.140625, -3.140625, 0.0, -0.0,
                     2**-7 + 1, np.inf, -np.inf])
    got = ref.round_to_dtype(vals, "bf16")
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, want)
    assert np.signbit(got[6])
    bits = ref.bf16_bits(np.array([1.0, -2.0, 3.14159, 1 + 2**-8]))
    assert bits.dtype == np.uint16
    np.testing.assert_array_equal(bits, [0x3F80, 0xC000, 0x4049, 0x3F80])
    back = ref.bf16_from_bits(bits)
    assert back.dtype == np.float32
    np.testing.assert_array_equal(back, [1.0, -2.0, 3.140625, 1.0])


def test_bf16_nan_overflow_and_idempotence():
    got = ref.round_to_dtype(np.array([np.nan, -np.nan]), "bf16")
    assert np.isnan(got).all()
    assert ref.bf16_bits(np.array([np.nan]))[0] & 0x7F80 == 0x7F80
    # float32 max lies above the bf16 max/inf midpoint: rounds to infinity.
    assert ref.round_to_dtype(np.finfo(np.float32).max, "bf16") == np.inf
    x = rng(1).standard_normal(1000) * 10.0
    r = ref.round_to_dtype(x, "bf16")
    np.testing.assert_array_equal(ref.round_to_dtype(r, "bf16"), r)
    assert np.all(np.abs(r - x) <= np.abs(x) * 2**-8)


def test_round_to_dtype_f32_f16():
    x = np.array([1 + 2**-30, 1 + 2**-12, 70000.0])
    np.testing.assert_array_equal(ref.round_to_dtype(x, "f32"),
                                  [1.0, 1 + 2**-12, 70000.0])
    np.testing.assert_array_equal(ref.round_to_dtype(x, "f16"), [1.0, 1.0, np.inf])
    np.testing.assert_array_equal(ref.round_to_dtype(x, "f64"), x)
    with pytest.raises(ValueError):
        ref.round_to_dtype(x, "i8")


# --------------------------------------------------------------------------
# scan
# --------------------------------------------------------------------------

def test_scan_hand_case():
    a = np.array([0.5, -1.0, 2.0]).reshape(1, 3, 1)
    b = np.array([1.0, 2.0, 3.0]).reshape(1, 3, 1)
    h, last = ref.scan(a, b, h0=np.array([[4.0]]))
    # 0.5*4+1 = 3; -3+2 = -1; -2+3 = 1
    close(h.ravel(), [3.0, -1.0, 1.0])
    close(last.ravel(), [1.0])
    h, last = ref.scan(a, b, h0=np.array([[4.0]]), reverse=True)
    # t=2: 2*4+3 = 11; t=1: -11+2 = -9; t=0: -4.5+1 = -3.5
    close(h.ravel(), [-3.5, -9.0, 11.0])
    close(last.ravel(), [-3.5])


def test_scan_multi_dim_and_reverse_is_flip():
    r = rng(2)
    a = r.uniform(-1, 1, (2, 7, 3, 4)).astype(np.float32)
    b = r.standard_normal((2, 7, 3, 4)).astype(np.float32)
    h0 = r.standard_normal((2, 3, 4))
    h, last = ref.scan(a, b, h0)
    assert h.dtype == np.float64 and h.shape == (2, 7, 3, 4) and last.shape == (2, 3, 4)
    # explicit scalar loop
    for bi in range(2):
        for idx in np.ndindex(3, 4):
            s = h0[(bi,) + idx]
            for t in range(7):
                s = float(a[(bi, t) + idx]) * s + float(b[(bi, t) + idx])
                assert h[(bi, t) + idx] == pytest.approx(s, rel=1e-12, abs=1e-12)
    hr, lastr = ref.scan(a, b, h0, reverse=True)
    hf, lastf = ref.scan(a[:, ::-1], b[:, ::-1], h0)
    close(hr, hf[:, ::-1])
    close(lastr, lastf)
    close(lastr, hr[:, 0])


@pytest.mark.parametrize("reverse", [False, True])
def test_scan_chaining(reverse):
    r = rng(3)
    a = r.uniform(-1, 1, (2, 9, 5))
    b = r.standard_normal((2, 9, 5))
    h0 = r.standard_normal((2, 5))
    h, last = ref.scan(a, b, h0, reverse=reverse)
    T1 = 4
    head, tail = slice(0, T1), slice(T1, None)
    # forward: the head first, then the tail; reverse: the tail first
    first, second = (tail, head) if reverse else (head, tail)
    h_1, l_1 = ref.scan(a[:, first], b[:, first], h0, reverse=reverse)
    h_2, l_2 = ref.scan(a[:, second], b[:, second], l_1, reverse=reverse)
    close(h[:, first], h_1)
    close(h[:, second], h_2)
    close(l_2, last)


# --------------------------------------------------------------------------
# selective_scan
# --------------------------------------------------------------------------

def selective_scan_loops(u, delta, A, Bm, Cm, D, z, delta_bias, h0, softplus_on):
    Bsz, T, Dch = u.shape
    N = A.shape[1]
    G = Bm.shape[2]
    y = np.zeros((Bsz, T, Dch))
    last = np.zeros((Bsz, Dch, N))
    for b in range(Bsz):
        for d in range(Dch):
            g = d // (Dch // G)
            h = [h0[b, d, n] for n in range(N)]
            for t in range(T):
                dt = delta[b, t, d] + delta_bias[d]
                if softplus_on:
                    dt = dt if dt > 20 else np.log(1.0 + np.exp(dt))
                acc = 0.0
                for n in range(N):
                    h[n] = np.exp(dt * A[d, n]) * h[n] + dt * Bm[b, t, g, n] * u[b, t, d]
                    acc += Cm[b, t, g, n] * h[n]
                acc += D[d] * u[b, t, d]
                zz = z[b, t, d]
                y[b, t, d] = acc * zz / (1.0 + np.exp(-zz))
            last[b, d] = h
    return y, last


def ss_inputs(seed, Bsz=2, T=6, Dch=4, N=3, G=2):
    r = rng(seed)
    return dict(
        u=r.standard_normal((Bsz, T, Dch)),
        delta=r.standard_normal((Bsz, T, Dch)),
        A=-np.exp(r.standard_normal((Dch, N))),
        Bm=r.standard_normal((Bsz, T, G, N)),
        Cm=r.standard_normal((Bsz, T, G, N)),
        D=r.standard_normal(Dch),
        z=r.standard_normal((Bsz, T, Dch)),
        delta_bias=r.standard_normal(Dch),
        h0=r.standard_normal((Bsz, Dch, N)),
    )


@pytest.mark.parametrize("G", [1, 2, 4])
@pytest.mark.parametrize("softplus_on", [False, True])
def test_selective_scan_vs_loops(G, softplus_on):
    p = ss_inputs(4, G=G)
    y, last = ref.selective_scan(**p, delta_softplus=softplus_on)
    yl, lastl = selective_scan_loops(p["u"], p["delta"], p["A"], p["Bm"], p["Cm"],
                                     p["D"], p["z"], p["delta_bias"], p["h0"],
                                     softplus_on)
    close(y, yl, 1e-10)
    close(last, lastl, 1e-10)


def test_selective_scan_optional_operands_and_groups():
    p = ss_inputs(5, G=1)
    y, last = ref.selective_scan(p["u"], p["delta"], p["A"], p["Bm"], p["Cm"])
    Dch, N = p["A"].shape
    zeros = dict(D=np.zeros(Dch), z=None, delta_bias=np.zeros(Dch),
                 h0=np.zeros((2, Dch, N)))
    y2, last2 = ref.selective_scan(p["u"], p["delta"], p["A"], p["Bm"], p["Cm"], **zeros)
    close(y, y2)
    close(last, last2)
    # G = 4 groups all equal to the single group gives the same result.
    y4, last4 = ref.selective_scan(p["u"], p["delta"], p["A"],
                                   np.repeat(p["Bm"], 4, axis=2),
                                   np.repeat(p["Cm"], 4, axis=2))
    close(y, y4)
    close(last, last4)
    # z multiplies by silu(z)
    yz, _ = ref.selective_scan(p["u"], p["delta"], p["A"], p["Bm"], p["Cm"], z=p["z"])
    close(yz, y * ref.silu(p["z"]))


def test_selective_scan_chaining():
    p = ss_inputs(6, T=7, G=2)
    y, last = ref.selective_scan(**p, delta_softplus=True)
    sl1 = {k: (v[:, :3] if k in ("u", "delta", "Bm", "Cm", "z") else v) for k, v in p.items()}
    sl2 = {k: (v[:, 3:] if k in ("u", "delta", "Bm", "Cm", "z") else v) for k, v in p.items()}
    y1, l1 = ref.selective_scan(**sl1, delta_softplus=True)
    sl2["h0"] = l1
    y2, l2 = ref.selective_scan(**sl2, delta_softplus=True)
    close(np.concatenate([y1, y2], axis=1), y)
    close(l2, last)


def test_selective_scan_matches_ssd_linear_attention():
    # Mamba-2 SSD: per head h, P channels share dt_h and A_h; k = B, q = C,
    # v = x * dt, g = dt * A (scalar gate), scale = 1 (docs/ops.md).
    r = rng(7)
    Bsz, T, H, P, N = 2, 6, 3, 2, 4
    x = r.standard_normal((Bsz, T, H, P))
    dt = np.exp(r.standard_normal((Bsz, T, H)) * 0.5)
    Ah = -np.exp(r.standard_normal(H))
    Bm = r.standard_normal((Bsz, T, H, N))
    Cm = r.standard_normal((Bsz, T, H, N))
    h0 = r.standard_normal((Bsz, H, N, P))
    o, S = ref.linear_attention(Cm, Bm, x * dt[..., None], g=dt * Ah, gate_kind="scalar",
                                h0=h0, scale=1.0)
    y, hl = ref.selective_scan(
        x.reshape(Bsz, T, H * P), np.repeat(dt, P, axis=2),
        np.repeat(Ah, P)[:, None] * np.ones((1, N)), Bm, Cm,
        h0=h0.transpose(0, 1, 3, 2).reshape(Bsz, H * P, N))
    close(y, o.reshape(Bsz, T, H * P), 1e-10)
    close(hl, S.transpose(0, 1, 3, 2).reshape(Bsz, H * P, N), 1e-10)


# --------------------------------------------------------------------------
# linear_attention
# --------------------------------------------------------------------------

def la_inputs(seed, Bsz=2, T=7, H=3, K=4, V=5):
    r = rng(seed)
    return (r.standard_normal((Bsz, T, H, K)), r.standard_normal((Bsz, T, H, K)),
            r.standard_normal((Bsz, T, H, V)), r)


def test_linear_attention_none_is_masked_matmul():
    q, k, v, r = la_inputs(8)
    o, S = ref.linear_attention(q, k, v)
    K = q.shape[-1]
    scores = np.einsum("bthk,bshk->bhts", q, k) * K**-0.5
    T = q.shape[1]
    want = np.einsum("bhts,bshv->bthv", scores * np.tril(np.ones((T, T))), v)
    close(o, want)
    close(S, np.einsum("bthk,bthv->bhkv", k, v))


def decay_matrix_form(q, k, v, gcum, scale, h0=None):
    """o_t = scale * sum_{s<=t} exp(G_t - G_s) (q_t.k_s) v_s (+ exp(G_t) h0^T q_t)
    for a gate constant over K; gcum [B,T,H] are the cumulative log decays."""
    T = q.shape[1]
    diff = gcum.transpose(0, 2, 1)[..., :, None] - gcum.transpose(0, 2, 1)[..., None, :]
    mask = np.tril(np.ones((T, T), dtype=bool))
    Dm = np.where(mask, np.exp(np.where(mask, diff, 0.0)), 0.0)   # [B,H,T,T]
    scores = np.einsum("bthk,bshk->bhts", q, k) * Dm
    o = scale * np.einsum("bhts,bshv->bthv", scores, v)
    if h0 is not None:
        o += scale * np.exp(gcum)[..., None] * np.einsum("bhkv,bthk->bthv", h0, q)
    return o


def test_linear_attention_scalar_gate_decay_matrix():
    q, k, v, r = la_inputs(9)
    g = -r.uniform(0, 1, q.shape[:3])
    h0 = r.standard_normal((2, 3, 4, 5))
    o, S = ref.linear_attention(q, k, v, g=g, gate_kind="scalar", h0=h0, scale=0.7)
    close(o, decay_matrix_form(q, k, v, np.cumsum(g, axis=1), 0.7, h0), 1e-10)


def test_linear_attention_head_gate_decay_matrix():
    q, k, v, r = la_inputs(10)
    gh = -r.uniform(0, 1, 3)
    o, _ = ref.linear_attention(q, k, v, g=gh, gate_kind="head")
    g = np.broadcast_to(gh, q.shape[:3])
    close(o, decay_matrix_form(q, k, v, np.cumsum(g, axis=1), 0.5), 1e-10)
    # head gate == scalar gate repeated over batch and time
    o2, _ = ref.linear_attention(q, k, v, g=np.array(g), gate_kind="scalar")
    close(o, o2)


def test_linear_attention_key_gate():
    q, k, v, r = la_inputs(11)
    o0, S0 = ref.linear_attention(q, k, v)
    oz, Sz = ref.linear_attention(q, k, v, g=np.zeros(q.shape), gate_kind="key")
    close(oz, o0)
    close(Sz, S0)
    # GLA parallel form: o_t = scale * sum_{s<=t} (q_t * exp(Gc_t - Gc_s)) . k_s v_s
    g = -r.uniform(0, 1, q.shape)
    o, S = ref.linear_attention(q, k, v, g=g, gate_kind="key")
    Gc = np.cumsum(g, axis=1)
    T = q.shape[1]
    want = np.zeros_like(o)
    for t in range(T):
        for s in range(t + 1):
            w = np.sum(q[:, t] * np.exp(Gc[:, t] - Gc[:, s]) * k[:, s], axis=-1)
            want[:, t] += w[..., None] * v[:, s]
    close(o, 0.5 * want, 1e-10)
    # key gate constant over K == scalar gate
    gs = -r.uniform(0, 1, q.shape[:3])
    o1, S1 = ref.linear_attention(q, k, v, g=gs, gate_kind="scalar")
    o2, S2 = ref.linear_attention(q, k, v, g=np.repeat(gs[..., None], 4, axis=-1),
                                  gate_kind="key")
    close(o1, o2)
    close(S1, S2)


def test_delta_rule_beta_zero_keeps_decayed_state():
    q, k, v, r = la_inputs(12)
    g = -r.uniform(0, 1, q.shape)
    h0 = r.standard_normal((2, 3, 4, 5))
    o, S = ref.linear_attention(q, k, v, g=g, gate_kind="key",
                                beta=np.zeros(q.shape[:3]), h0=h0, scale=1.0)
    Gc = np.cumsum(g, axis=1)
    close(S, np.exp(Gc[:, -1])[..., None] * h0)
    for t in range(q.shape[1]):
        St = np.exp(Gc[:, t])[..., None] * h0
        close(o[:, t], np.einsum("bhkv,bhk->bhv", St, q[:, t]))


def test_delta_rule_unit_key_retrieves_value():
    # beta = 1 and |k| = 1: after the update S_t^T k_t = v_t exactly.
    q, k, v, r = la_inputs(13)
    k = k / np.linalg.norm(k, axis=-1, keepdims=True)
    h0 = r.standard_normal((2, 3, 4, 5))
    for t_end in (1, 4, 7):
        _, S = ref.linear_attention(q[:, :t_end], k[:, :t_end], v[:, :t_end],
                                    g=-r.uniform(0, 1, (2, t_end, 3)), gate_kind="scalar",
                                    beta=np.ones((2, t_end, 3)), h0=h0)
        close(np.einsum("bhkv,bhk->bhv", S, k[:, t_end - 1]), v[:, t_end - 1], 1e-10)


def test_delta_rule_vs_loops():
    q, k, v, r = la_inputs(14)
    g = -r.uniform(0, 1, q.shape[:3])
    beta = r.uniform(0, 1, q.shape[:3])
    h0 = r.standard_normal((2, 3, 4, 5))
    o, S = ref.linear_attention(q, k, v, g=g, gate_kind="scalar", beta=beta, h0=h0)
    for b in range(2):
        for h in range(3):
            St = h0[b, h].copy()
            for t in range(q.shape[1]):
                St = np.exp(g[b, t, h]) * St
                St = St + beta[b, t, h] * np.outer(k[b, t, h], v[b, t, h] - St.T @ k[b, t, h])
                close(o[b, t, h], 0.5 * St.T @ q[b, t, h], 1e-10)
            close(S[b, h], St, 1e-10)


def test_bonus_rwkv6_form():
    q, k, v, r = la_inputs(15)
    g = -r.uniform(0, 1, q.shape)
    bonus = r.standard_normal((3, 4))
    h0 = r.standard_normal((2, 3, 4, 5))
    o, S = ref.linear_attention(q, k, v, g=g, gate_kind="key", bonus=bonus, h0=h0)
    # o_t = scale * (q_t^T (S_{t-1} + diag(bonus) k_t v_t^T)), S_t additive
    S_prev = h0.copy()
    for t in range(q.shape[1]):
        Sb = S_prev + (bonus * k[:, t])[..., None] * v[:, t][..., None, :]
        close(o[:, t], 0.5 * np.einsum("bhkv,bhk->bhv", Sb, q[:, t]), 1e-10)
        S_prev = np.exp(g[:, t])[..., None] * S_prev + k[:, t][..., None] * v[:, t][..., None, :]
    close(S, S_prev, 1e-10)
    # the state is that of the plain additive update
    _, S_add = ref.linear_attention(q, k, v, g=g, gate_kind="key", h0=h0)
    close(S, S_add)


def test_linear_attention_invalid():
    q, k, v, r = la_inputs(16)
    with pytest.raises(ValueError):
        ref.linear_attention(q, k, v, beta=np.ones(q.shape[:3]), bonus=np.ones((3, 4)))
    with pytest.raises(ValueError):
        ref.linear_attention(q, k, v, g=np.zeros(3), gate_kind="none")
    with pytest.raises(ValueError):
        ref.linear_attention(q, k, v, gate_kind="scalar")
    with pytest.raises(ValueError):
        ref.linear_attention(q, k, v, g=np.zeros(3), gate_kind="scalar")


@pytest.mark.parametrize("variant", ["none", "head", "scalar", "key", "delta", "bonus"])
def test_linear_attention_chaining(variant):
    q, k, v, r = la_inputs(17, T=9)
    kw, per_t = {}, {}
    if variant == "head":
        kw = dict(g=-r.uniform(0, 1, 3), gate_kind="head")
    elif variant in ("scalar", "delta"):
        per_t["g"] = -r.uniform(0, 1, q.shape[:3])
        kw["gate_kind"] = "scalar"
        if variant == "delta":
            per_t["beta"] = r.uniform(0, 1, q.shape[:3])
    elif variant in ("key", "bonus"):
        per_t["g"] = -r.uniform(0, 1, q.shape)
        kw["gate_kind"] = "key"
        if variant == "bonus":
            kw["bonus"] = r.standard_normal((3, 4))
    h0 = r.standard_normal((2, 3, 4, 5))
    o, S = ref.linear_attention(q, k, v, h0=h0, **kw, **per_t)
    outs, state = [], h0
    for lo, hi in [(0, 5), (5, 6), (6, 9)]:   # prefill, one token, the rest
        sl = {n: a[:, lo:hi] for n, a in per_t.items()}
        ot, state = ref.linear_attention(q[:, lo:hi], k[:, lo:hi], v[:, lo:hi],
                                         h0=state, **kw, **sl)
        outs.append(ot)
    close(np.concatenate(outs, axis=1), o, 1e-10)
    close(state, S, 1e-10)


# --------------------------------------------------------------------------
# attention
# --------------------------------------------------------------------------

def attention_loops(q, k, v, causal, window, scale):
    Bsz, T, H, _ = q.shape
    S, Hkv = k.shape[1], k.shape[2]
    o = np.zeros((Bsz, T, H, v.shape[-1]))
    for b in range(Bsz):
        for h in range(H):
            kh = h // (H // Hkv)
            for i in range(T):
                js = [j for j in range(S)
                      if (not causal or j <= i + S - T)
                      and (window <= 0 or j > i + S - T - window)]
                if not js:
                    continue
                s = np.array([scale * q[b, i, h] @ k[b, j, kh] for j in js])
                p = np.exp(s - s.max())
                p /= p.sum()
                o[b, i, h] = sum(pj * v[b, j, kh] for pj, j in zip(p, js))
    return o


def test_attention_causal_square_masked_softmax():
    r = rng(18)
    q, k, v = (r.standard_normal((2, 6, 2, 4)), r.standard_normal((2, 6, 2, 4)),
               r.standard_normal((2, 6, 2, 3)))
    o = ref.attention(q, k, v, causal=True)
    s = np.einsum("bihd,bjhd->bhij", q, k) / 2.0
    s = np.where(np.tril(np.ones((6, 6), dtype=bool)), s, -np.inf)
    p = np.exp(s - s.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    close(o, np.einsum("bhij,bjhv->bihv", p, v))
    # first query sees only key 0
    close(o[:, 0], v[:, 0])


@pytest.mark.parametrize("causal,window,T,S", [
    (False, 0, 5, 7), (True, 0, 3, 7), (True, 3, 6, 6), (True, 2, 2, 8),
    (False, 3, 4, 6), (True, 0, 1, 5), (True, 4, 5, 5)])
def test_attention_vs_loops_gqa(causal, window, T, S):
    r = rng(19)
    q = r.standard_normal((2, T, 4, 3))
    k = r.standard_normal((2, S, 2, 3))
    v = r.standard_normal((2, S, 2, 5))
    o = ref.attention(q, k, v, causal=causal, window=window, scale=0.8)
    close(o, attention_loops(q, k, v, causal, window, 0.8))
    # GQA == repeating the kv heads
    o2 = ref.attention(q, np.repeat(k, 2, axis=2), np.repeat(v, 2, axis=2),
                       causal=causal, window=window, scale=0.8)
    close(o, o2)


def test_attention_kv_cache_rows():
    # decode with a KV cache (T < S) equals the last T rows of the full causal run
    r = rng(20)
    q = r.standard_normal((1, 8, 2, 4))
    k = r.standard_normal((1, 8, 1, 4))
    v = r.standard_normal((1, 8, 1, 4))
    for window in (0, 3):
        full = ref.attention(q, k, v, causal=True, window=window)
        close(ref.attention(q[:, 5:], k, v, causal=True, window=window), full[:, 5:])
        close(ref.attention(q[:, 7:], k, v, causal=True, window=window), full[:, 7:])


def test_attention_no_visible_key_and_stability():
    r = rng(21)
    q = r.standard_normal((1, 5, 1, 2))
    k = r.standard_normal((1, 3, 1, 2))
    v = r.standard_normal((1, 3, 1, 2))
    o = ref.attention(q, k, v, causal=True)   # S - T = -2: queries 0, 1 see nothing
    np.testing.assert_array_equal(o[:, :2], 0.0)
    close(o[:, 2], v[:, 0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        big = ref.attention(q * 1e4, k * 1e4, v)
    assert np.all(np.isfinite(big))


# --------------------------------------------------------------------------
# conv1d
# --------------------------------------------------------------------------

@pytest.mark.parametrize("W", [1, 2, 4])
@pytest.mark.parametrize("activation", ["none", "silu"])
def test_conv1d_vs_numpy_convolve(W, activation):
    r = rng(22)
    x = r.standard_normal((2, 6, 3))
    w = r.standard_normal((3, W))
    bias = r.standard_normal(3)
    state = r.standard_normal((2, W - 1, 3))
    y, st = ref.conv1d(x, w, bias=bias, state=state, activation=activation)
    assert y.shape == (2, 6, 3) and st.shape == (2, W - 1, 3)
    for b in range(2):
        for c in range(3):
            xp = np.concatenate([state[b, :, c], x[b, :, c]])
            full = np.convolve(xp, w[c, ::-1], mode="valid") + bias[c]
            want = full * (1.0 / (1.0 + np.exp(-full))) if activation == "silu" else full
            close(y[b, :, c], want)
    close(st, x[:, 6 - (W - 1):] if W > 1 else np.zeros((2, 0, 3)))


def test_conv1d_hand_case_zero_state():
    x = np.array([1.0, 2.0, 3.0]).reshape(1, 3, 1)
    w = np.array([[10.0, 100.0, 1000.0]])     # w[j] multiplies x_{t-2+j}
    y, st = ref.conv1d(x, w)
    close(y.ravel(), [1000.0, 2100.0, 3210.0])
    close(st.ravel(), [2.0, 3.0])


@pytest.mark.parametrize("W", [1, 3, 5])
def test_conv1d_chaining_short_chunks(W):
    r = rng(23)
    x = r.standard_normal((2, 9, 4))
    w = r.standard_normal((4, W))
    bias = r.standard_normal(4)
    state = r.standard_normal((2, W - 1, 4))
    y, st = ref.conv1d(x, w, bias, state, "silu")
    outs, s = [], state
    for lo, hi in [(0, 2), (2, 3), (3, 3), (3, 8), (8, 9)]:   # includes T < W-1 and T = 0
        yt, s = ref.conv1d(x[:, lo:hi], w, bias, s, "silu")
        outs.append(yt)
    close(np.concatenate(outs, axis=1), y)
    close(s, st)
    # a chunk shorter than W-1 keeps the older state rows
    if W > 2:
        _, s1 = ref.conv1d(x[:, :1], w, state=state)
        close(s1, np.concatenate([state[:, 1:], x[:, :1]], axis=1))
