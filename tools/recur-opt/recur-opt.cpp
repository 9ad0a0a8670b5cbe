//===- recur-opt.cpp - The recur optimizer driver -------------------------===//
//
// mlir-opt with the recur dialect, passes and pipelines registered.
//
//===----------------------------------------------------------------------===//

#include "recur/InitAll.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::recur::registerAllPasses();
  mlir::DialectRegistry registry;
  mlir::recur::registerAllDialects(registry);
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "recur optimizer driver\n", registry));
}
