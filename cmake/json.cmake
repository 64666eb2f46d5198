# nlohmann/json from Debian (nlohmann-json3-dev). For the wasm build we must not add /usr/include
# (it would shadow the emscripten sysroot), so a build-dir folder holds a symlink to just nlohmann/.
if(EMSCRIPTEN)
  set(_json_inc "${CMAKE_BINARY_DIR}/json-include")
  if(NOT EXISTS "${_json_inc}/nlohmann")
    file(MAKE_DIRECTORY "${_json_inc}")
    file(CREATE_LINK /usr/include/nlohmann "${_json_inc}/nlohmann" SYMBOLIC)
  endif()
  add_library(earshot_json INTERFACE)
  target_include_directories(earshot_json SYSTEM INTERFACE "${_json_inc}")
else()
  find_package(nlohmann_json 3.10 REQUIRED NO_CMAKE_FIND_ROOT_PATH)
  add_library(earshot_json INTERFACE)
  target_link_libraries(earshot_json INTERFACE nlohmann_json::nlohmann_json)
endif()
# Untrusted input is parsed with json::parse(s, nullptr, false); the core builds without exceptions in wasm.
target_compile_definitions(earshot_json INTERFACE JSON_USE_IMPLICIT_CONVERSIONS=0)
