//===- CNames.cpp - Which names the C interface may use -------------------===//

#include "recur/Target/CNames.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"

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

/// Object-like macros that common compilers predefine or that standard
/// headers the generated header includes (<stdint.h>) and host programs
/// include (<stdio.h>, <stdlib.h>, <math.h>, <errno.h>, <complex.h>,
/// <stdnoreturn.h>) define, and the standard types: a parameter of that name
/// would be replaced or shadow the type. (A function-like macro such as
/// assert is only expanded before a parenthesis, so it is no problem.)
static const char *const macros[] = {
    "linux", "unix", "i386", "NULL", "EOF", "errno",
    "stdin", "stdout", "stderr", "BUFSIZ", "FILENAME_MAX", "RAND_MAX",
    "EXIT_SUCCESS", "EXIT_FAILURE", "INFINITY", "NAN", "HUGE_VAL", "M_PI",
    "M_E", "INT8_MIN", "INT8_MAX", "UINT8_MAX", "INT16_MIN", "INT16_MAX",
    "UINT16_MAX", "INT32_MIN", "INT32_MAX", "UINT32_MAX", "INT64_MIN",
    "INT64_MAX", "UINT64_MAX", "SIZE_MAX", "PTRDIFF_MAX", "complex",
    "imaginary", "I", "noreturn", "va_list", "jmp_buf", "int8_t", "int16_t",
    "int32_t", "int64_t", "uint8_t", "uint16_t", "uint32_t", "uint64_t",
    "intptr_t", "uintptr_t", "size_t", "ptrdiff_t", "FILE"};

/// Functions of the C and math libraries that compiled code calls, that
/// host programs commonly call, and that a model's symbol would replace at
/// link time.
static const char *const libraryFunctions[] = {
    // <stdlib.h>, <string.h>, <stdio.h>
    "malloc", "calloc", "realloc", "free", "aligned_alloc",
    "posix_memalign", "abort", "exit", "atexit", "qsort", "bsearch", "atoi",
    "atol", "atoll", "atof", "strtol", "strtoll", "strtod", "strtof", "rand",
    "srand", "getenv", "system", "memcpy", "memmove", "memset", "memcmp",
    "memchr", "strlen", "strcmp", "strncmp", "strcpy", "strncpy", "strcat",
    "strchr", "strrchr", "strstr", "strdup", "printf", "fprintf", "sprintf",
    "snprintf", "vprintf", "vfprintf", "vsnprintf", "puts", "fputs", "putc",
    "putchar", "fputc", "getc", "getchar", "fgets", "fopen", "fclose",
    "fread", "fwrite", "fflush", "fseek", "ftell", "perror", "clock", "time",
    "signal", "raise", "pthread_create", "pthread_join", "sched_yield",
    "main", "setjmp", "_setjmp", "longjmp", "_longjmp", "sigsetjmp",
    "siglongjmp",
    // <math.h>, with the f and l variants the lowering may call
    "exp", "expf", "expl", "exp2", "exp2f", "expm1", "expm1f", "log", "logf",
    "logl", "log2", "log2f", "log10", "log10f", "log1p", "log1pf", "sqrt",
    "sqrtf", "sqrtl", "cbrt", "cbrtf", "pow", "powf", "powl", "sin", "sinf",
    "cos", "cosf", "tan", "tanf", "asin", "asinf", "acos", "acosf", "atan",
    "atanf", "atan2", "atan2f", "sinh", "sinhf", "cosh", "coshf", "tanh",
    "tanhf", "asinh", "acosh", "atanh", "erf", "erff", "erfc", "erfcf",
    "tgamma", "lgamma", "fabs", "fabsf", "floor", "floorf", "ceil", "ceilf",
    "round", "roundf", "trunc", "truncf", "rint", "rintf", "fmod", "fmodf",
    "fma", "fmaf", "fmin", "fminf", "fmax", "fmaxf", "copysign",
    "copysignf", "ldexp", "ldexpf", "frexp", "frexpf", "modf", "modff",
    "nan", "nanf", "isnan", "isinf", "isfinite", "signbit", "hypot",
    "hypotf", "sincos", "sincosf",
    // MLIR's runtime helpers and the OpenMP runtime
    "memrefCopy", "mlirAsyncRuntimeCreateToken", "omp_get_max_threads",
    "omp_get_num_threads", "omp_get_thread_num", "omp_set_num_threads"};

bool mlir::recur::isRuntimeSymbol(llvm::StringRef name) {
  static const llvm::StringSet<> names = [] {
    llvm::StringSet<> set;
    for (const char *function : libraryFunctions)
      set.insert(function);
    return set;
  }();
  // The compiler runtime (__truncsfbf2, __extendhfsf2, __divti3, ...) and
  // the C library's internals use reserved identifiers.
  return names.contains(name) || name.starts_with("__");
}

std::optional<std::string> mlir::recur::whyNotCName(llvm::StringRef name) {
  if (name.empty() || !(llvm::isAlpha(name[0]) || name[0] == '_') ||
      !llvm::all_of(name, [](char c) { return llvm::isAlnum(c) || c == '_'; }))
    return std::string("is not a C identifier");
  if (name.starts_with("__") ||
      (name.size() > 1 && name[0] == '_' && llvm::isUpper(name[1])))
    return std::string("is reserved for the C implementation (it starts "
                       "with '__' or '_' and a capital letter)");
  if (llvm::is_contained(keywords, name))
    return std::string("is a C or C++ keyword");
  if (llvm::is_contained(macros, name))
    return std::string("is a predefined or standard-header macro or type");
  return std::nullopt;
}

std::optional<std::string>
mlir::recur::whyNotCFunctionName(llvm::StringRef name) {
  if (std::optional<std::string> why = whyNotCName(name))
    return why;
  if (isRuntimeSymbol(name))
    return std::string("is a function of the C or math library or the "
                       "compiler runtime");
  return std::nullopt;
}
