# Dear ImGui 1.86 compiled from its released source for the diagnostics overlay (wasm only). The
# sources come from Debian's source package (tools/setup.sh: `apt-get source imgui` into a cache
# outside git); a machine with internet may point -DEARSHOT_IMGUI_DIR (or FETCHCONTENT_SOURCE_DIR_IMGUI)
# at an upstream release tree instead.
set(_default_imgui "$ENV{EARSHOT_IMGUI_DIR}")
if(NOT _default_imgui AND FETCHCONTENT_SOURCE_DIR_IMGUI)
  set(_default_imgui "${FETCHCONTENT_SOURCE_DIR_IMGUI}")
endif()
if(NOT _default_imgui AND EXISTS "${_earshot_paths}")
  file(STRINGS "${_earshot_paths}" _line REGEX "^EARSHOT_IMGUI_DIR=")
  string(REGEX REPLACE "^EARSHOT_IMGUI_DIR=" "" _default_imgui "${_line}")
endif()
set(EARSHOT_IMGUI_DIR "${_default_imgui}" CACHE PATH "Dear ImGui 1.86 source tree (with backends/)")
if(NOT EXISTS "${EARSHOT_IMGUI_DIR}/imgui.cpp" OR NOT EXISTS "${EARSHOT_IMGUI_DIR}/backends/imgui_impl_opengl3.cpp")
  message(FATAL_ERROR "Dear ImGui sources not found at '${EARSHOT_IMGUI_DIR}'. Run tools/setup.sh first "
                      "(or pass -DEARSHOT_IMGUI_DIR=<imgui-1.86 source tree>).")
endif()
add_library(earshot_imgui STATIC
  ${EARSHOT_IMGUI_DIR}/imgui.cpp
  ${EARSHOT_IMGUI_DIR}/imgui_draw.cpp
  ${EARSHOT_IMGUI_DIR}/imgui_tables.cpp
  ${EARSHOT_IMGUI_DIR}/imgui_widgets.cpp
  ${EARSHOT_IMGUI_DIR}/backends/imgui_impl_glfw.cpp
  ${EARSHOT_IMGUI_DIR}/backends/imgui_impl_opengl3.cpp)
target_include_directories(earshot_imgui SYSTEM PUBLIC ${EARSHOT_IMGUI_DIR} ${EARSHOT_IMGUI_DIR}/backends)
# WebGL2 = OpenGL ES 3; no demo window, no obsolete API, no file I/O.
target_compile_definitions(earshot_imgui PUBLIC IMGUI_IMPL_OPENGL_ES3 IMGUI_DISABLE_DEMO_WINDOWS
                                                 IMGUI_DISABLE_OBSOLETE_FUNCTIONS IMGUI_DISABLE_FILE_FUNCTIONS)
target_compile_options(earshot_imgui PRIVATE -Oz)
