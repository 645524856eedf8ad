# nn/nn.hpp promises all of nn: fails when a header under nn/ is missing from its includes (a
# header added or renamed without it), or when it includes one that does not exist. That the
# includes compile is the README's job: its my_app example includes nn/nn.hpp alone.
# Called by CTest with -DSOURCE_DIR=...
file(GLOB_RECURSE headers RELATIVE "${SOURCE_DIR}" "${SOURCE_DIR}/nn/*/*.hpp")
file(STRINGS "${SOURCE_DIR}/nn/nn.hpp" lines REGEX "^#include \"nn/")
list(TRANSFORM lines REPLACE "^#include \"([^\"]+)\".*$" "\\1" OUTPUT_VARIABLE included)
set(missing ${headers})
list(REMOVE_ITEM missing ${included})
set(unknown ${included})
list(REMOVE_ITEM unknown ${headers})
if(NOT headers)
  message(FATAL_ERROR "no header found under ${SOURCE_DIR}/nn/")
endif()
if(missing OR unknown)
  message(FATAL_ERROR "nn/nn.hpp should include every header under nn/, and only those;\n"
    "  not included: ${missing}\n  included but not in the tree: ${unknown}")
endif()
list(LENGTH headers n)
message(STATUS "nn/nn.hpp includes all ${n} headers under nn/")
