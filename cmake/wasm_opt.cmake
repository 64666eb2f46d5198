# The post-link size pass every browser module gets: emcc runs its own wasm-opt once; -Oz again until
# nothing changes (--converge) takes ~1.5 KB brotli more off the room page. binaryen 132 from npm
# (tools/js, a node build, ~5 s a module) when installed: it takes ~0.5 KB brotli more than Debian's
# binaryen 108, which is the fallback.
set(_earshot_npm_wasm_opt "${PROJECT_SOURCE_DIR}/tools/js/node_modules/binaryen/bin/wasm-opt")
find_program(EARSHOT_WASM_OPT wasm-opt)
set(EARSHOT_WASM_OPT_PROGRAM "${EARSHOT_WASM_OPT}")
if(EXISTS "${_earshot_npm_wasm_opt}")
  set(EARSHOT_WASM_OPT_PROGRAM "${_earshot_npm_wasm_opt}")
endif()
message(STATUS "earshot wasm: post-link wasm-opt ${EARSHOT_WASM_OPT_PROGRAM}")

# earshot_wasm_opt(<target> <wasm file>): the pass, after the target links.
function(earshot_wasm_opt target wasm)
  if(EARSHOT_WASM_OPT_PROGRAM)
    add_custom_command(TARGET ${target} POST_BUILD
      COMMAND ${EARSHOT_WASM_OPT_PROGRAM} -Oz --converge --enable-bulk-memory --enable-sign-ext
              --enable-mutable-globals --enable-nontrapping-float-to-int ${wasm} -o ${wasm}
      VERBATIM)
  endif()
endfunction()
