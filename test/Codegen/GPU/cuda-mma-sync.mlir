// RUN: recur-opt %s --pass-pipeline="builtin.module(gpu.module(recur-cuda-mma-sync))" | FileCheck %s

// The cuda tail's mma.sync: bf16 pairs packed into 32-bit registers (first
// element in the low half), f16 pairs as vector<2xf16>; one nvvm.mma.sync
// m16n8k16 with row-major A and column-major B; its four f32 results.
// CHECK-LABEL: gpu.func @bf16
// CHECK-COUNT-6: arith.ori {{.*}} : i32
// CHECK:         %[[D:.*]] = nvvm.mma.sync A[{{.*}}, {{.*}}, {{.*}}, {{.*}}] B[{{.*}}, {{.*}}] C[{{.*}}, {{.*}}, {{.*}}, {{.*}}] {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>, shape = #nvvm.shape<m = 16, n = 8, k = 16>} : (i32, i32, f32) -> !llvm.struct<(f32, f32, f32, f32)>
// CHECK:         llvm.extractvalue %[[D]][0]
// CHECK-LABEL: gpu.func @f16
// CHECK:         nvvm.mma.sync {{.*}} : (vector<2xf16>, vector<2xf16>, f32) -> !llvm.struct<(f32, f32, f32, f32)>
// CHECK-NOT:     func.func
gpu.module @kernels {
  func.func private @__recur_mma_m16n8k16_bf16(bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, f32, f32, f32, f32) -> (f32, f32, f32, f32)
  func.func private @__recur_mma_m16n8k16_f16(f16, f16, f16, f16, f16, f16, f16, f16, f16, f16, f16, f16, f32, f32, f32, f32) -> (f32, f32, f32, f32)
  gpu.func @bf16(%a: bf16, %c: f32, %out: memref<4xf32>) kernel {
    %r:4 = func.call @__recur_mma_m16n8k16_bf16(%a, %a, %a, %a, %a, %a, %a, %a, %a, %a, %a, %a, %c, %c, %c, %c) : (bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, f32, f32, f32, f32) -> (f32, f32, f32, f32)
    %c0 = arith.constant 0 : index
    memref.store %r#0, %out[%c0] : memref<4xf32>
    gpu.return
  }
  gpu.func @f16(%a: f16, %c: f32, %out: memref<4xf32>) kernel {
    %r:4 = func.call @__recur_mma_m16n8k16_f16(%a, %a, %a, %a, %a, %a, %a, %a, %a, %a, %a, %a, %c, %c, %c, %c) : (f16, f16, f16, f16, f16, f16, f16, f16, f16, f16, f16, f16, f32, f32, f32, f32) -> (f32, f32, f32, f32)
    %c0 = arith.constant 0 : index
    memref.store %r#0, %out[%c0] : memref<4xf32>
    gpu.return
  }
}
