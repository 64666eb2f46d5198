# mbedTLS compiled from its released source (fetched by tools/setup.sh with `apt-get source mbedtls`
# into a cache outside git), identically for the native and the wasm build. Override the location
# with -DEARSHOT_MBEDTLS_DIR=... or the EARSHOT_MBEDTLS_DIR environment variable.
set(_earshot_paths "$ENV{HOME}/.cache/earshot/paths.env")
if(DEFINED ENV{EARSHOT_CACHE})
  set(_earshot_paths "$ENV{EARSHOT_CACHE}/paths.env")
endif()
set(_default_mbedtls "$ENV{EARSHOT_MBEDTLS_DIR}")
if(NOT _default_mbedtls AND EXISTS "${_earshot_paths}")
  file(STRINGS "${_earshot_paths}" _line REGEX "^EARSHOT_MBEDTLS_DIR=")
  string(REGEX REPLACE "^EARSHOT_MBEDTLS_DIR=" "" _default_mbedtls "${_line}")
endif()
set(EARSHOT_MBEDTLS_DIR "${_default_mbedtls}" CACHE PATH "mbedTLS 2.28 source tree")
if(NOT EXISTS "${EARSHOT_MBEDTLS_DIR}/library/sha256.c")
  message(FATAL_ERROR "mbedTLS sources not found at '${EARSHOT_MBEDTLS_DIR}'. Run tools/setup.sh first "
                      "(or pass -DEARSHOT_MBEDTLS_DIR=<mbedtls-2.28 source tree>).")
endif()
add_library(earshot_mbedcrypto STATIC
  ${EARSHOT_MBEDTLS_DIR}/library/md.c
  ${EARSHOT_MBEDTLS_DIR}/library/sha1.c
  ${EARSHOT_MBEDTLS_DIR}/library/sha256.c
  ${EARSHOT_MBEDTLS_DIR}/library/platform_util.c)
target_include_directories(earshot_mbedcrypto SYSTEM PUBLIC ${EARSHOT_MBEDTLS_DIR}/include
                                                        ${CMAKE_CURRENT_LIST_DIR})
target_compile_definitions(earshot_mbedcrypto PUBLIC MBEDTLS_CONFIG_FILE="earshot_mbedtls_config.h")
set_target_properties(earshot_mbedcrypto PROPERTIES POSITION_INDEPENDENT_CODE ON C_STANDARD 99)
