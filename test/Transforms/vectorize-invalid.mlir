// RUN: recur-opt %s --verify-diagnostics --recur-vectorize=vector-bits=384

// expected-error @below {{recur-vectorize: vector-bits must be 128, 256 or 512, not 384}}
func.func @f() {
  return
}
