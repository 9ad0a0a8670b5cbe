//===- CNames.cpp - Which names the C interface may use -------------------===//
//
// Keywords are listed here; every other taken name comes from the system at
// build time (gen_reserved_names.py writes ReservedNames.inc): the macros of
// the standard C, POSIX and C++ headers and the compiler's predefined ones,
// the types, tags, constants, functions and variables the C headers
// declare, the C++ headers' namespaces, the symbols of the libraries a
// compiled model links beside, and `main`, which the C library's startup
// code calls. Every category applies to every name: a buffer or dimension
// named like a library function would only shadow it inside the prototype,
// but rejecting it costs a rename and keeps one rule.
//
//===----------------------------------------------------------------------===//

#include "recur/Emit/CNames.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

#include <cstdint>

using namespace mlir;
using namespace mlir::recur;

/// Keywords of C23 and C++23 (a header is included from both).
static const char *const keywords[] = {
    // C
    "auto", "break", "case", "char", "const", "continue", "default", "do",
    "double", "else", "enum", "extern", "float", "for", "goto", "if",
    "inline", "int", "long", "register", "restrict", "return", "short",
    "signed", "sizeof", "static", "struct", "switch", "typedef", "union",
    "unsigned", "void", "volatile", "while", "alignas", "alignof", "bool",
    "constexpr", "false", "nullptr", "static_assert", "thread_local", "true",
    "typeof", "typeof_unqual",
    // C++ only
    "and", "and_eq", "asm", "bitand", "bitor", "catch", "char8_t",
    "char16_t", "char32_t", "class", "co_await", "co_return", "co_yield",
    "compl", "concept", "const_cast", "consteval", "constinit", "decltype",
    "delete", "dynamic_cast", "explicit", "export", "friend", "mutable",
    "namespace", "new", "noexcept", "not", "not_eq", "operator", "or",
    "or_eq", "private", "protected", "public", "reinterpret_cast",
    "requires", "static_cast", "template", "this", "throw", "try", "typeid",
    "typename", "using", "virtual", "wchar_t", "xor", "xor_eq"};

namespace {
/// Why the system claims a name, in the order of precedence that
/// gen_reserved_names.py gives a name found several times.
enum class ReservedKind : uint8_t {
  PredefinedMacro,
  Macro,
  Type,
  Constant,
  Entry,
  Symbol,
  Declaration,
  Tag,
  Namespace,
};

/// A taken name, where it was found first (an index into
/// reservedNameSources: "<limits.h>", "the C library (libc.so.6)"), and
/// whether a library defines it too (printf is also a macro).
struct ReservedName {
  const char *name;
  ReservedKind kind;
  uint16_t source;
  bool isSymbol;
};
} // namespace

// reservedNameSources[] and reservedNames[] (sorted by name).
#include "ReservedNames.inc"

/// The first entry of reservedNames not less than `name`.
static const ReservedName *lowerBound(llvm::StringRef name) {
  return std::lower_bound(std::begin(reservedNames), std::end(reservedNames),
                          name,
                          [](const ReservedName &entry, llvm::StringRef key) {
                            return llvm::StringRef(entry.name) < key;
                          });
}

/// The entry of `name` in reservedNames, or null.
static const ReservedName *findReservedName(llvm::StringRef name) {
  const ReservedName *found = lowerBound(name);
  return found != std::end(reservedNames) && name == found->name ? found
                                                                 : nullptr;
}

static std::string describe(const ReservedName &entry) {
  std::string source = reservedNameSources[entry.source];
  switch (entry.kind) {
  case ReservedKind::PredefinedMacro:
    return "is a macro that the C and C++ compilers predefine";
  case ReservedKind::Macro:
    return "is a macro that " + source + " defines";
  case ReservedKind::Type:
    return "is a type that " + source + " declares";
  case ReservedKind::Constant:
    return "is an enumeration constant that " + source + " declares";
  case ReservedKind::Entry:
    return "is the program's function that " + source + " calls";
  case ReservedKind::Symbol:
    return "is a function or variable of " + source;
  case ReservedKind::Declaration:
    return "is a function or variable that " + source + " declares";
  case ReservedKind::Tag:
    return "is a struct, union or enum tag that " + source + " declares";
  case ReservedKind::Namespace:
    return "is a namespace of the C++ standard library";
  }
  llvm_unreachable("unknown ReservedKind");
}

bool mlir::recur::isRuntimeSymbol(llvm::StringRef name) {
  // The compiler runtime (__truncsfbf2, __extendhfsf2, __divti3, ...) and
  // the C library's internals use reserved identifiers.
  if (name.starts_with("__"))
    return true;
  const ReservedName *entry = findReservedName(name);
  return entry && entry->isSymbol;
}

std::optional<std::string> mlir::recur::whyNotCName(llvm::StringRef name) {
  if (name.empty() || !(llvm::isAlpha(name[0]) || name[0] == '_') ||
      !llvm::all_of(name, [](char c) { return llvm::isAlnum(c) || c == '_'; }))
    return std::string("is not a C identifier");
  if (name.starts_with("__") ||
      (name.size() > 1 && name[0] == '_' && llvm::isUpper(name[1])))
    return std::string("is reserved for the C implementation (it starts "
                       "with '__' or '_' and a capital letter)");
  if (name.contains("__"))
    return std::string("is reserved for the C++ implementation (it "
                       "contains '__')");
  // The header's include guard (RECUR_MODEL_H), its macros and types
  // (RECUR_MAYBE_UNUSED, recur_function_info) and the runtime library's
  // functions (recur_load_weights) all start so.
  if (name.starts_with_insensitive("recur_"))
    return std::string("is reserved for recur's own names (it starts with "
                       "'recur_', ignoring case)");
  if (llvm::is_contained(keywords, name))
    return std::string("is a C or C++ keyword");
  if (const ReservedName *entry = findReservedName(name))
    return describe(*entry);
  return std::nullopt;
}

std::optional<std::string>
mlir::recur::whyNotCFunctionName(llvm::StringRef name) {
  if (std::optional<std::string> why = whyNotCName(name))
    return why;
  if (name.starts_with("_"))
    return std::string("is reserved for the C implementation at file scope "
                       "(it starts with '_')");
  // NAME_call(const int64_t *dims, void *const *buffers) calls NAME.
  if (name == "dims" || name == "buffers")
    return std::string("is a parameter of the header's NAME_call functions");
  // The header declares more names after the function's (CInterface.cpp):
  // its status message function, NAME_call and the tables NAME_info,
  // NAME_dims, NAME_buffers and NAME_shape<i>. (After a name that ends in
  // '_' they contain '__', which C++ reserves; no system uses such names.)
  for (const char *suffix :
       {"_status_message", "_call", "_info", "_dims", "_buffers"}) {
    std::string derived = (name + suffix).str();
    if (const ReservedName *entry = findReservedName(derived))
      return "makes the header declare '" + derived + "', which " +
             describe(*entry);
  }
  std::string shapePrefix = (name + "_shape").str();
  for (const ReservedName *entry = lowerBound(shapePrefix);
       entry != std::end(reservedNames) &&
       llvm::StringRef(entry->name).starts_with(shapePrefix);
       ++entry) {
    llvm::StringRef index =
        llvm::StringRef(entry->name).drop_front(shapePrefix.size());
    if (!index.empty() && llvm::all_of(index, llvm::isDigit))
      return "makes the header declare '" + std::string(entry->name) +
             "', which " + describe(*entry);
  }
  return std::nullopt;
}
