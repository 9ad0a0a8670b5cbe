// Two kernels for the Vulkan runtime's test (vulkan_runtime.test), in the
// shape `convert-gpu-to-spirv` takes: 1-D memrefs and scalars as arguments,
// the workgroup size in spirv.entry_point_abi. The target environment is
// what lavapipe offers; without Float16 and StorageBuffer16BitAccess the
// conversion would silently turn the f16 buffer into an f32 one.
module {
  gpu.module @kernels attributes {spirv.target_env = #spirv.target_env<
      #spirv.vce<v1.3, [Shader, Int64, Int16, Float16, StorageBuffer16BitAccess],
                 [SPV_KHR_storage_buffer_storage_class, SPV_KHR_16bit_storage]>,
      api=Vulkan, #spirv.resource_limits<subgroup_size = 8,
                                         max_compute_shared_memory_size = 32768>>} {
    // y[i] = a * x[i] + y[i] for i < n: a scalar f32 (binding 0) and a
    // scalar i64 (binding 3), each a storage buffer of one value.
    gpu.func @saxpy(%a: f32, %x: memref<?xf32>, %y: memref<?xf32>, %n: i64) kernel
        attributes {spirv.entry_point_abi = #spirv.entry_point_abi<workgroup_size = [64, 1, 1]>} {
      %c64 = arith.constant 64 : index
      %group = gpu.block_id x
      %thread = gpu.thread_id x
      %base = arith.muli %group, %c64 : index
      %i = arith.addi %base, %thread : index
      %i64 = arith.index_cast %i : index to i64
      %inside = arith.cmpi slt, %i64, %n : i64
      scf.if %inside {
        %xi = memref.load %x[%i] : memref<?xf32>
        %yi = memref.load %y[%i] : memref<?xf32>
        %ax = arith.mulf %a, %xi : f32
        %sum = arith.addf %ax, %yi : f32
        memref.store %sum, %y[%i] : memref<?xf32>
      }
      gpu.return
    }

    // z[i] = h[reversed i] + y[i], where each workgroup of 64 reverses its
    // slice of the f16 buffer h through workgroup memory and a barrier.
    gpu.func @reverse_add(%h: memref<?xf16>, %y: memref<?xf32>, %z: memref<?xf32>) kernel
        attributes {spirv.entry_point_abi = #spirv.entry_point_abi<workgroup_size = [64, 1, 1]>} {
      %c63 = arith.constant 63 : index
      %c64 = arith.constant 64 : index
      // Workgroup memory: memref.alloc in space 3 (workgroup attributions
      // do not convert to SPIR-V in MLIR 22).
      %tile = memref.alloc() : memref<64xf32, 3>
      %group = gpu.block_id x
      %thread = gpu.thread_id x
      %base = arith.muli %group, %c64 : index
      %i = arith.addi %base, %thread : index
      %hi = memref.load %h[%i] : memref<?xf16>
      %wide = arith.extf %hi : f16 to f32
      memref.store %wide, %tile[%thread] : memref<64xf32, 3>
      gpu.barrier
      %mirror = arith.subi %c63, %thread : index
      %reversed = memref.load %tile[%mirror] : memref<64xf32, 3>
      %yi = memref.load %y[%i] : memref<?xf32>
      %sum = arith.addf %reversed, %yi : f32
      memref.store %sum, %z[%i] : memref<?xf32>
      gpu.return
    }
  }
}
