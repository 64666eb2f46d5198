# Nayuki's QR Code generator, its C version (no exceptions), compiled from the released source that
# tools/setup.sh fetches into a cache outside git (Debian's qr-code-generator upstream tarball). Used by
# the core's qr.cpp for the invite QR code of the IVS page. Override with -DEARSHOT_QRCODEGEN_DIR=<dir
# holding qrcodegen.c> or the EARSHOT_QRCODEGEN_DIR environment variable.
set(_default_qrcodegen "$ENV{EARSHOT_QRCODEGEN_DIR}")
if(NOT _default_qrcodegen AND EXISTS "${_earshot_paths}")
  file(STRINGS "${_earshot_paths}" _line REGEX "^EARSHOT_QRCODEGEN_DIR=")
  string(REGEX REPLACE "^EARSHOT_QRCODEGEN_DIR=" "" _default_qrcodegen "${_line}")
endif()
set(EARSHOT_QRCODEGEN_DIR "${_default_qrcodegen}" CACHE PATH "QR-Code-generator 1.8 c/ folder (qrcodegen.c, qrcodegen.h)")
if(NOT EXISTS "${EARSHOT_QRCODEGEN_DIR}/qrcodegen.c" AND EXISTS "${_default_qrcodegen}/qrcodegen.c")
  # a build folder configured before tools/setup.sh fetched the sources
  set(EARSHOT_QRCODEGEN_DIR "${_default_qrcodegen}" CACHE PATH "QR-Code-generator 1.8 c/ folder" FORCE)
endif()
if(NOT EXISTS "${EARSHOT_QRCODEGEN_DIR}/qrcodegen.c")
  message(FATAL_ERROR "qrcodegen sources not found at '${EARSHOT_QRCODEGEN_DIR}'. Run tools/setup.sh first "
                      "(or pass -DEARSHOT_QRCODEGEN_DIR=<QR-Code-generator-1.8.0/c>).")
endif()
add_library(earshot_qrcodegen STATIC ${EARSHOT_QRCODEGEN_DIR}/qrcodegen.c)
target_include_directories(earshot_qrcodegen SYSTEM PUBLIC ${EARSHOT_QRCODEGEN_DIR})
if(EMSCRIPTEN)
  target_compile_options(earshot_qrcodegen PRIVATE -Oz -flto -DNDEBUG)
endif()
