# mbedTLS compiled from its released source (fetched by tools/setup.sh with `apt-get source mbedtls`
# into a cache outside git), identically for the native and the wasm build. Override the location
# with -DEARSHOT_MBEDTLS_DIR=... or the EARSHOT_MBEDTLS_DIR environment variable.
include(${CMAKE_CURRENT_LIST_DIR}/sources.cmake)
earshot_source_dir(EARSHOT_MBEDTLS_DIR "" library/sha256.c "mbedTLS 2.28 source tree" "mbedtls-2.28 source tree")
add_library(earshot_mbedcrypto STATIC
  ${EARSHOT_MBEDTLS_DIR}/library/md.c
  ${EARSHOT_MBEDTLS_DIR}/library/sha1.c
  ${EARSHOT_MBEDTLS_DIR}/library/sha256.c
  ${EARSHOT_MBEDTLS_DIR}/library/platform_util.c)
target_include_directories(earshot_mbedcrypto SYSTEM PUBLIC ${EARSHOT_MBEDTLS_DIR}/include
                                                        ${CMAKE_CURRENT_LIST_DIR})
target_compile_definitions(earshot_mbedcrypto PUBLIC MBEDTLS_CONFIG_FILE="earshot_mbedtls_config.h")
set_target_properties(earshot_mbedcrypto PROPERTIES POSITION_INDEPENDENT_CODE ON C_STANDARD 99)
