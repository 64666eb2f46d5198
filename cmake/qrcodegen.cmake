# Nayuki's QR Code generator, its C version (no exceptions), compiled from the released source that
# tools/setup.sh fetches into a cache outside git (Debian's qr-code-generator upstream tarball). Used by
# the core's qr.cpp for the invite QR code of the IVS page. Override with -DEARSHOT_QRCODEGEN_DIR=<dir
# holding qrcodegen.c> or the EARSHOT_QRCODEGEN_DIR environment variable.
earshot_source_dir(EARSHOT_QRCODEGEN_DIR "" qrcodegen.c "QR-Code-generator 1.8 c/ folder (qrcodegen.c, qrcodegen.h)"
                   "QR-Code-generator-1.8.0/c")
add_library(earshot_qrcodegen STATIC ${EARSHOT_QRCODEGEN_DIR}/qrcodegen.c)
target_include_directories(earshot_qrcodegen SYSTEM PUBLIC ${EARSHOT_QRCODEGEN_DIR})
if(EMSCRIPTEN)
  target_compile_options(earshot_qrcodegen PRIVATE -Oz -flto -DNDEBUG)
endif()
