// Gated DeltaNet and attention with heads of 128 in bf16: their chunk
// tiles need more shared memory than lavapipe's 32 KiB (cuda-ptx.test).
func.func @gdn(%q: tensor<?x?x16x128xbf16>, %v: tensor<?x?x16x128xbf16>, %g: tensor<?x?x16xbf16>, %s: tensor<?x16x128x128xf32>)
    -> (tensor<?x?x16x128xbf16>, tensor<?x16x128x128xf32>) {
  %o, %h = recur.linear_attention ins(%q, %q, %v : tensor<?x?x16x128xbf16>, tensor<?x?x16x128xbf16>, tensor<?x?x16x128xbf16>) gate scalar(%g : tensor<?x?x16xbf16>) beta(%g : tensor<?x?x16xbf16>) outs(%v, %s : tensor<?x?x16x128xbf16>, tensor<?x16x128x128xf32>)
  return %o, %h : tensor<?x?x16x128xbf16>, tensor<?x16x128x128xf32>
}
func.func @attn(%q: tensor<?x?x16x128xbf16>) -> tensor<?x?x16x128xbf16> {
  %o = recur.attention ins(%q, %q, %q : tensor<?x?x16x128xbf16>, tensor<?x?x16x128xbf16>, tensor<?x?x16x128xbf16>) outs(%q : tensor<?x?x16x128xbf16>) causal
  return %o : tensor<?x?x16x128xbf16>
}
