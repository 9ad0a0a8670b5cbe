//===- RecurDialect.h - The recur dialect -------------------------*- C++ -*-===//

#ifndef RECUR_DIALECT_RECUR_IR_RECURDIALECT_H
#define RECUR_DIALECT_RECUR_IR_RECURDIALECT_H

#include "mlir/IR/Dialect.h"

#include "recur/Dialect/Recur/IR/RecurDialect.h.inc"

#endif // RECUR_DIALECT_RECUR_IR_RECURDIALECT_H
