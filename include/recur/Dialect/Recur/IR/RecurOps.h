//===- RecurOps.h - Ops of the recur dialect ----------------------*- C++ -*-===//

#ifndef RECUR_DIALECT_RECUR_IR_RECUROPS_H
#define RECUR_DIALECT_RECUR_IR_RECUROPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "recur/Dialect/Recur/IR/RecurDialect.h"
#include "recur/Dialect/Recur/IR/RecurLayout.h"

#include "recur/Dialect/Recur/IR/RecurEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "recur/Dialect/Recur/IR/RecurAttrs.h.inc"

#define GET_OP_CLASSES
#include "recur/Dialect/Recur/IR/RecurOps.h.inc"

#endif // RECUR_DIALECT_RECUR_IR_RECUROPS_H
