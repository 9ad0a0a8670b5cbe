#!/usr/bin/python3
"""Lists the names the C interface must not use (CNames.cpp), from the system.

A function, buffer or dimension of a compiled model becomes a C name in the
generated header, which host programs include beside the standard C, POSIX
and C++ headers, and a function becomes a global symbol linked beside the C
and math libraries, the OpenMP runtime, the C++ library and the compiler
runtime. A name is taken when:

  - a header defines it as a macro (object-like or function-like), or the
    compiler predefines it: `clang -E -dD` on a file that includes every
    header below, in C and C++ modes, with OpenMP;
  - a C header declares it at file scope: a type, a struct, union or enum
    tag, an enumeration constant, a function or a variable (the top level
    of `clang -Xclang -ast-dump`); a C++ header opens a namespace of that
    name (`namespace std`);
  - a library defines it as a dynamic symbol (`llvm-nm -D --defined-only`;
    the archives' and startup objects' global symbols), version suffixes
    (`@@GLIBC_2.2.5`) stripped, or the C library's startup code calls it
    (`main`).

Names that are reserved anyway (they start with '__' or '_' and a capital
letter) and text that is not a C identifier are left out. Each name
comes with where it was found first, in the order above, so that a
diagnostic can say why it is taken. The output is a C++ fragment that
CNames.cpp includes, and a depfile of every header and library read, so that
the build runs this again when the system's headers or libraries change.

Usage: gen_reserved_names.py --clang CLANG --clangxx CLANGXX --nm LLVM_NM
           --mlir-lib-dir LLVM_LIBRARY_DIR --output ReservedNames.inc
           [--depfile ReservedNames.inc.d]
"""

import argparse
import concurrent.futures
import os
import re
import subprocess
import sys
import tempfile

# The C17 and C23 standard headers. The C23 ones that older C libraries lack
# are included only where they exist.
C_HEADERS = [
    # First the headers that own the most common names, so that a name is
    # attributed to them (NULL to <stddef.h>, INT_MAX to <limits.h>).
    "stddef.h", "stdarg.h", "stdbool.h", "stdint.h", "limits.h", "float.h",
    "errno.h", "stdio.h", "stdlib.h", "string.h", "math.h", "time.h",
    "assert.h", "complex.h", "ctype.h", "fenv.h", "inttypes.h", "iso646.h",
    "locale.h", "setjmp.h", "signal.h", "stdalign.h", "stdatomic.h",
    "stdnoreturn.h", "tgmath.h", "threads.h", "uchar.h", "wchar.h",
    "wctype.h",
]
C23_HEADERS = ["stdbit.h", "stdckdint.h"]
# Common POSIX headers (with glibc's extensions where _GNU_SOURCE is set).
POSIX_HEADERS = [
    "unistd.h", "fcntl.h", "pthread.h", "sched.h", "semaphore.h",
    "sys/types.h", "sys/stat.h", "sys/time.h", "sys/mman.h", "sys/wait.h",
    "sys/resource.h", "sys/select.h", "sys/socket.h", "sys/uio.h",
    "sys/utsname.h", "netinet/in.h", "arpa/inet.h", "netdb.h", "dirent.h",
    "dlfcn.h", "poll.h", "strings.h", "libgen.h", "getopt.h",
]
# The C headers a C++ program can include too (not <stdatomic.h> before
# C++23, nor the C-only <stdnoreturn.h> and <tgmath.h>).
C_HEADERS_IN_CXX = [h for h in C_HEADERS
                    if h not in ("stdatomic.h", "stdnoreturn.h", "tgmath.h")]
CXX_HEADERS = [
    "cstddef", "cstdarg", "cstdint", "climits", "cfloat", "cerrno",
    "cstdio", "cstdlib", "cstring", "cmath", "ctime", "cassert", "cctype",
    "cfenv", "cinttypes", "clocale", "csetjmp", "csignal", "cuchar",
    "cwchar", "cwctype",
    "algorithm", "any", "array", "atomic", "bit", "bitset", "charconv",
    "chrono", "compare", "complex", "concepts", "condition_variable",
    "deque", "exception", "filesystem", "fstream", "functional", "future",
    "initializer_list", "iomanip", "iostream", "iterator", "limits", "list",
    "map", "memory", "mutex", "new", "numbers", "numeric", "optional",
    "queue", "random", "ranges", "ratio", "regex", "set", "shared_mutex",
    "span", "sstream", "stack", "stdexcept", "string", "string_view",
    "system_error", "thread", "tuple", "type_traits", "typeinfo",
    "unordered_map", "unordered_set", "utility", "valarray", "variant",
    "vector",
]
CXX23_HEADERS = ["format", "print", "expected", "stdatomic.h"]
OPENMP_HEADERS = ["omp.h"]

# The compiler modes the headers are read in, and whether their declarations
# are read too (the AST costs more than -E): predefined macros differ
# between the GNU and strict modes (`linux`, `unix`), the headers' between
# C versions and feature macros. C++ programs get _GNU_SOURCE from the
# compiler.
C_MODES = [
    (["-std=gnu17"], True),
    (["-std=c17"], False),
    (["-std=gnu2x", "-D_GNU_SOURCE", "-O2", "-D_FORTIFY_SOURCE=2"], True),
    (["-std=c2x"], False),
]
CXX_MODES = [["-std=gnu++20"], ["-std=c++17"], ["-std=c++2b"]]

# The libraries a compiled model is linked beside: (how to find it, what it
# is, "shared", "archive" or "startup" object). `print-file-name=NAME` asks
# clang where it finds a file; `rtlib=compiler-rt` asks for clang's builtins
# archive. The startup objects also call the program's `main`.
LIBRARIES = [
    ("print-file-name=libc.so.6", "the C library", "shared"),
    ("print-file-name=libc_nonshared.a", "the C library", "archive"),
    ("print-file-name=Scrt1.o", "the C library's startup code", "startup"),
    ("print-file-name=crt1.o", "the C library's startup code", "startup"),
    ("print-file-name=crti.o", "the C library's startup code", "startup"),
    ("print-file-name=libm.so.6", "the math library", "shared"),
    ("print-file-name=libomp.so", "the OpenMP runtime", "shared"),
    ("print-file-name=libstdc++.so.6", "the C++ library", "shared"),
    ("print-file-name=libgcc_s.so.1", "the compiler runtime", "shared"),
    ("print-file-name=libgcc.a", "the compiler runtime", "archive"),
    ("rtlib=compiler-rt", "the compiler runtime", "archive"),
    # The runtime libraries whose functions MLIR's lowerings may call
    # (memrefCopy), in LLVM's library directory (--mlir-lib-dir).
    ("mlir=libmlir_c_runner_utils.so", "MLIR's runtime", "shared"),
    ("mlir=libmlir_runner_utils.so", "MLIR's runtime", "shared"),
    ("mlir=libmlir_async_runtime.so", "MLIR's runtime", "shared"),
]

# Names each part must find; a missing one means the tools or the system
# changed in a way this script does not understand.
EXPECTED = {
    "macro": ["INT_MAX", "EINVAL", "SIGINT", "CHAR_BIT", "assert",
              "offsetof", "va_arg", "isgreater", "NULL", "linux"],
    "type": ["size_t", "FILE", "ptrdiff_t", "va_list", "int32_t",
             "pthread_t", "time_t"],
    "constant": ["FP_NAN"],
    "declaration": ["close", "environ", "memcpy"],
    "tag": ["tm", "timespec"],
    "namespace": ["std"],
    "symbol": ["close", "write", "open", "environ", "timezone", "sinf",
               "omp_get_thread_num", "memrefCopy", "data_start"],
    "entry": ["main"],
}

# The kinds, in the order of precedence when a name has several, as they
# are spelled in CNames.cpp's ReservedKind.
KINDS = ["PredefinedMacro", "Macro", "Type", "Constant", "Entry", "Symbol",
         "Declaration", "Tag", "Namespace"]

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def fail(message):
    sys.exit(f"gen_reserved_names.py: error: {message}")


def is_candidate(name):
    """A C identifier that does not start with '__' or '_' and a capital
    letter, which the C interface's own rules reject anyway. (Names that
    contain '__' elsewhere stay: the header's tables of a function whose
    name ends in '_' are such names.)"""
    return (IDENTIFIER.match(name) is not None and
            not name.startswith("__") and
            not (len(name) > 1 and name[0] == "_" and name[1].isupper()))


def run(command, what):
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        fail(f"{what} failed ({' '.join(command)}):\n{result.stderr.strip()}")
    return result.stdout


class Names:
    """Name -> (kind, source): the first reason found for each name."""

    def __init__(self):
        self.entries = {}
        self.counts = {}
        self.files = set()

    def add(self, name, kind, source):
        if not is_candidate(name):
            return
        self.counts.setdefault(kind, set()).add(name)
        old = self.entries.get(name)
        if old is None or KINDS.index(kind) < KINDS.index(old[0]):
            self.entries[name] = (kind, source)


def probe_source(headers, optional):
    lines = [f"#include <{h}>" for h in headers]
    for h in optional:
        lines += [f"#if __has_include(<{h}>)", f"#include <{h}>", "#endif"]
    return "\n".join(lines) + "\n"


def header_of(path, headers):
    """The spelling (<stdio.h>) of the probe header at `path`, if any."""
    for header in headers:
        if path.endswith("/" + header):
            return f"<{header}>"
    return None


def read_macros(text, headers, names):
    """Adds the macros of `clang -E -dD` output; returns {file: the probe
    header through which it was first included}."""
    marker = re.compile(r'# \d+ "(.*)"((?: \d)*)$')
    define = re.compile(r"#define ([A-Za-z_][A-Za-z0-9_]*)")
    owner = {}
    stack = []
    for line in text.splitlines():
        if not line.startswith("#"):
            continue
        match = marker.match(line)
        if match:
            path, flags = match.group(1), match.group(2).split()
            if "1" in flags:
                # Entered from the probe file: one of the probe's headers.
                top = (header_of(path, headers) if len(stack) == 1
                       else owner.get(stack[-1]))
                owner.setdefault(path, top)
                stack.append(path)
                if not path.startswith("<"):
                    names.files.add(path)
            elif "2" in flags:
                while stack and stack[-1] != path:
                    stack.pop()
            elif not stack:
                stack.append(path)
            continue
        match = define.match(line)
        if not match or len(stack) < 2:
            continue
        if stack[-1] == "<built-in>":
            names.add(match.group(1), "PredefinedMacro", "")
        elif not stack[-1].startswith("<"):
            names.add(match.group(1), "Macro",
                      owner.get(stack[-1]) or "a standard header")
    return owner


def tag_name(kind, words):
    """The tag of a RecordDecl (`struct tm definition`, `struct definition`
    when anonymous) or EnumDecl (`col:6 color`, `col:1` when anonymous)
    from the words of its line in the AST dump."""
    if kind == "EnumDecl":
        name = words[-1]
        return (name if IDENTIFIER.match(name) and
                name not in ("referenced", "used", "implicit") else None)
    for i, word in enumerate(words[:-1]):
        if word in ("struct", "union"):
            name = words[i + 1]
            anonymous = name == "definition" and i + 2 == len(words)
            return None if anonymous else name
    return None


def read_declarations(text, owner, names):
    """Adds the file-scope declarations of clang's AST dump of the C headers
    (its top level; enumeration constants one level down)."""
    # The dump names a file where it changes; `line:` and `col:` refer to
    # the last one named.
    location = re.compile(r"(/[^\s:<>,']+|<scratch space>):\d+:\d+")
    node = re.compile(r"([| `]*)[|`]-(\w+) 0x[0-9a-f]+ (?:prev 0x[0-9a-f]+ )?"
                      r"<(.*)$")
    named = re.compile(r" ([A-Za-z_][A-Za-z0-9_]*) '")
    kinds = {"TypedefDecl": "Type", "FunctionDecl": "Declaration",
             "VarDecl": "Declaration", "EnumConstantDecl": "Constant"}
    current_file = None
    in_enum = False
    for line in text.splitlines():
        match = node.match(line)
        if match:
            depth = len(match.group(1)) // 2
            kind, rest = match.group(2), match.group(3)
            begin = location.match(rest)
            file = begin.group(1) if begin else current_file
            source = owner.get(file) or "a standard C header"
            if depth == 0:
                in_enum = kind == "EnumDecl"
            if depth == 0 and kind in ("RecordDecl", "EnumDecl"):
                name = tag_name(kind, rest.split())
                if name:
                    names.add(name, "Tag", source)
            elif ((depth == 0 and kind in kinds) or
                  (depth == 1 and in_enum and kind == "EnumConstantDecl")):
                found = named.search(rest)
                if found and " implicit " not in rest:
                    names.add(found.group(1), kinds[kind], source)
        for found in location.finditer(line):
            current_file = found.group(1)


def read_namespaces(text, names):
    """Adds the namespaces that the C++ headers open at the start of a line
    (libstdc++ writes `namespace std` so; some nested ones come too)."""
    for name in set(re.findall(r"^namespace\s+([A-Za-z_][A-Za-z0-9_]*)",
                               text, re.MULTILINE)):
        names.add(name, "Namespace", "the C++ standard library")


def library_query(clang, query):
    """The clang command that prints where the library of `query` is."""
    if query == "rtlib=compiler-rt":
        return [clang, "--rtlib=compiler-rt", "-print-libgcc-file-name"]
    return [clang, "-" + query]


def library_path(answer, query):
    """The library's path from the answer to `library_query`."""
    path = answer.strip()
    # -print-file-name echoes a name it does not find.
    if query.startswith("print-file-name=") and path == query.split("=")[1]:
        path = ""
    if not path or not os.path.isfile(path):
        fail(f"no library for {query} ({path or 'nothing found'}); is the "
             "package that provides it installed (scripts/setup.sh)?")
    return path


def read_symbols(text, path, what, library_kind, names):
    """Adds the global symbols of `llvm-nm -P` output for `path`, and the
    functions that a startup object calls (main)."""
    source = f"{what} ({os.path.basename(path)})"
    found = 0
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 2 or len(fields[1]) != 1:
            continue
        symbol, kind = fields[0], fields[1]
        if kind == "U" and library_kind == "startup":
            names.add(symbol, "Entry", source)
            continue
        # Global symbols: upper case but the absolute ones (version names),
        # and indirect functions and unique globals; lower case is local.
        if not ((kind.isupper() and kind not in "AU") or kind in "iu"):
            continue
        # `name@VERSION` alone is a compatibility symbol, kept for old
        # programs; new code links `name` or `name@@VERSION`.
        if "@" in symbol and "@@" not in symbol:
            continue
        names.add(symbol.split("@", 1)[0], "Symbol", source)
        found += 1
    if found == 0:
        fail(f"llvm-nm lists no defined symbol in {path}")


def write_output(names, sources, output):
    entries = sorted(names.entries.items())
    source_index = {source: i for i, source in enumerate(sources)}
    lines = [
        "// Generated by lib/Emit/gen_reserved_names.py from the system's",
        "// C and C++ headers and libraries. Do not edit.",
        "// " + ", ".join(f"{kind}: {len(names.counts.get(kind, ()))}"
                          for kind in KINDS),
        "static const char *const reservedNameSources[] = {",
    ]
    lines += [f'    "{source}",' for source in sources]
    lines += ["};", "static const ReservedName reservedNames[] = {"]
    symbols = names.counts.get("Symbol", set())
    for name, (kind, source) in entries:
        is_symbol = "true" if name in symbols else "false"
        lines.append(f'    {{"{name}", ReservedKind::{kind}, '
                     f"{source_index[source]}, {is_symbol}}},")
    lines += ["};", ""]
    text = "\n".join(lines)
    # Rewrite only on a change, so that CNames.cpp is not rebuilt for
    # nothing when the system's files are touched.
    try:
        with open(output) as f:
            if f.read() == text:
                return
    except OSError:
        pass
    with open(output + ".tmp", "w") as f:
        f.write(text)
    os.replace(output + ".tmp", output)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clang", required=True)
    parser.add_argument("--clangxx", required=True)
    parser.add_argument("--nm", required=True)
    parser.add_argument("--mlir-lib-dir", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--depfile")
    args = parser.parse_args()

    names = Names()
    c_headers = C_HEADERS + C23_HEADERS + POSIX_HEADERS + OPENMP_HEADERS
    cxx_headers = (CXX_HEADERS + CXX23_HEADERS + C_HEADERS_IN_CXX +
                   POSIX_HEADERS + OPENMP_HEADERS)
    with tempfile.TemporaryDirectory() as work, \
            concurrent.futures.ThreadPoolExecutor(os.cpu_count()) as pool:
        c_probe = os.path.join(work, "probe.c")
        with open(c_probe, "w") as f:
            f.write(probe_source(C_HEADERS + POSIX_HEADERS + OPENMP_HEADERS,
                                 C23_HEADERS))
        cxx_probe = os.path.join(work, "probe.cpp")
        with open(cxx_probe, "w") as f:
            f.write(probe_source(CXX_HEADERS + C_HEADERS_IN_CXX +
                                 POSIX_HEADERS + OPENMP_HEADERS,
                                 CXX23_HEADERS))

        def start(command, what):
            return pool.submit(run, command, what)

        libraries = []
        for query, what, library_kind in LIBRARIES:
            if query.startswith("mlir="):
                where = os.path.join(args.mlir_lib_dir, query.split("=")[1])
            else:
                where = start(library_query(args.clang, query),
                              f"finding {what}")
            libraries.append((where, query, what, library_kind))
        c_jobs = []
        for flags, with_declarations in C_MODES:
            compile_c = [args.clang, "-x", "c", *flags, "-fopenmp"]
            what = f"reading the C headers ({' '.join(flags)})"
            c_jobs.append((
                start([*compile_c, "-E", "-dD", c_probe], what),
                start([*compile_c, "-fsyntax-only", "-Xclang", "-ast-dump",
                       c_probe], what) if with_declarations else None))
        cxx_jobs = [start([args.clangxx, "-x", "c++", *flags, "-fopenmp",
                           "-E", "-dD", cxx_probe],
                          f"reading the C++ headers ({' '.join(flags)})")
                    for flags in CXX_MODES]
        symbol_jobs = []
        for where, query, what, library_kind in libraries:
            path = library_path(
                where if isinstance(where, str) else where.result(), query)
            names.files.add(os.path.realpath(path))
            command = {"shared": [args.nm, "-D", "--defined-only", "-P", path],
                       "archive": [args.nm, "--defined-only", "-P", path],
                       "startup": [args.nm, "-P", path]}[library_kind]
            symbol_jobs.append(
                (start(command, f"listing the symbols of {path}"), path, what,
                 library_kind))

        # Read in a fixed order: the first source found for a name stays.
        for macros, declarations in c_jobs:
            owner = read_macros(macros.result(), c_headers, names)
            if declarations:
                read_declarations(declarations.result(), owner, names)
        for job in cxx_jobs:
            read_macros(job.result(), cxx_headers, names)
        read_namespaces(cxx_jobs[0].result(), names)
        for job, path, what, library_kind in symbol_jobs:
            read_symbols(job.result(), path, what, library_kind, names)

    kind_of = {"PredefinedMacro": "macro", "Macro": "macro", "Type": "type",
               "Constant": "constant", "Declaration": "declaration",
               "Tag": "tag", "Namespace": "namespace", "Symbol": "symbol",
               "Entry": "entry"}
    for part, expected in EXPECTED.items():
        found = set().union(*(names.counts.get(kind, set())
                              for kind in KINDS if kind_of[kind] == part))
        missing = [name for name in expected if name not in found]
        if missing:
            fail(f"found no {part} named {', '.join(missing)}; the headers, "
                 "libraries or tools are not what this script expects")

    sources = sorted({source for _, source in names.entries.values()})
    write_output(names, sources, args.output)
    if args.depfile:
        with open(args.depfile, "w") as f:
            deps = " ".join(path.replace(" ", "\\ ")
                            for path in sorted(names.files))
            f.write(f"{args.output}: {deps}\n")


if __name__ == "__main__":
    main()
