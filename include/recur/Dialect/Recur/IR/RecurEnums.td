//===- RecurEnums.td - Enum attributes of the recur dialect -*- tablegen -*-===//

#ifndef RECUR_DIALECT_RECUR_IR_RECURENUMS_TD
#define RECUR_DIALECT_RECUR_IR_RECURENUMS_TD

include "recur/Dialect/Recur/IR/RecurDialect.td"
include "mlir/IR/EnumAttr.td"

def Recur_GateKind : I32EnumAttr<"GateKind",
    "how the decay gate of recur.linear_attention is shaped", [
      I32EnumAttrCase<"none", 0>,
      I32EnumAttrCase<"head", 1>,
      I32EnumAttrCase<"scalar", 2>,
      I32EnumAttrCase<"key", 3>
    ]> {
  let cppNamespace = "::mlir::recur";
  let genSpecializedAttr = 0;
}

def Recur_GateKindAttr : EnumAttr<Recur_Dialect, Recur_GateKind, "gate_kind">;

def Recur_Activation : I32EnumAttr<"Activation",
    "activation applied to the output of recur.conv1d", [
      I32EnumAttrCase<"none", 0>,
      I32EnumAttrCase<"silu", 1>
    ]> {
  let cppNamespace = "::mlir::recur";
  let genSpecializedAttr = 0;
}

def Recur_ActivationAttr : EnumAttr<Recur_Dialect, Recur_Activation, "activation">;

#endif // RECUR_DIALECT_RECUR_IR_RECURENUMS_TD
