# add_recur_library(NAME SOURCE <model.mlir> [TARGET cpu|vulkan|cuda]
#                   [OPTIONS <recur-compile options>...])
#
# Compiles a model description with the installed recur-compile inside the
# user's build (as Halide's add_halide_library does) into a static library
# NAME, whose header NAME.h (the functions, their buffers, NAME_info
# tables) is on the library's include path. Linking NAME links what the
# compiled code calls: the runtime library (recur/runtime/model.h: the
# weight loader), LLVM's OpenMP runtime and libm on the CPU; on the GPU
# targets the Vulkan or CUDA runtime and the NAME_host entries (host
# buffers in and out), compiled from the header.
function(add_recur_library name)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "SOURCE;TARGET" "OPTIONS")
  if(NOT ARG_SOURCE)
    message(FATAL_ERROR "add_recur_library(${name}): SOURCE is required")
  endif()
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "add_recur_library(${name}): unknown arguments "
                        "${ARG_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT ARG_TARGET)
    set(ARG_TARGET cpu)
  endif()
  if(NOT ARG_TARGET MATCHES "^(cpu|vulkan|cuda)$")
    message(FATAL_ERROR "add_recur_library(${name}): TARGET must be cpu, "
                        "vulkan or cuda, got '${ARG_TARGET}'")
  endif()
  if(ARG_TARGET STREQUAL "vulkan" AND NOT TARGET recur::RecurVulkan)
    message(FATAL_ERROR "add_recur_library(${name}): the installed recur "
                        "has no Vulkan runtime")
  endif()
  if(ARG_TARGET STREQUAL "cuda" AND NOT TARGET recur::RecurCUDA)
    message(FATAL_ERROR "add_recur_library(${name}): the installed recur "
                        "has no CUDA runtime")
  endif()
  get_filename_component(source "${ARG_SOURCE}" ABSOLUTE)
  set(dir "${CMAKE_CURRENT_BINARY_DIR}/${name}.recur")
  set(object "${dir}/${name}${CMAKE_C_OUTPUT_EXTENSION}")
  set(header "${dir}/${name}.h")
  add_custom_command(
    OUTPUT "${object}" "${header}" "${dir}/${name}.json"
    COMMAND "${CMAKE_COMMAND}" -E make_directory "${dir}"
    COMMAND recur::recur-compile "${source}" "--target=${ARG_TARGET}"
            ${ARG_OPTIONS} -o "${object}" "--header=${header}"
            "--interface=${dir}/${name}.json"
    DEPENDS "${source}" recur::recur-compile
    COMMENT "recur-compile ${name} (${ARG_TARGET})"
    VERBATIM)
  set(sources "${object}")
  if(NOT ARG_TARGET STREQUAL "cpu")
    # The NAME_host entries are defined by the header itself.
    set(host "${dir}/${name}_host.c")
    file(CONFIGURE OUTPUT "${host}" CONTENT
         "#define RECUR_DEFINE_HOST_ENTRIES\n#include \"${name}.h\"\n")
    list(APPEND sources "${host}")
    set_source_files_properties("${host}" PROPERTIES OBJECT_DEPENDS
                                "${header}")
  endif()
  add_library(${name} STATIC ${sources})
  set_target_properties(${name} PROPERTIES LINKER_LANGUAGE C)
  target_include_directories(${name} PUBLIC "${dir}")
  target_link_libraries(${name} PUBLIC recur::RecurRuntime)
  if(ARG_TARGET STREQUAL "cpu")
    target_link_libraries(${name} PUBLIC "${RECUR_OPENMP_LIBRARY}" m)
  elseif(ARG_TARGET STREQUAL "vulkan")
    target_link_libraries(${name} PUBLIC recur::RecurVulkan m)
  else()
    target_link_libraries(${name} PUBLIC recur::RecurCUDA m)
  endif()
endfunction()
