# Dear ImGui 1.86 compiled from its released source for the diagnostics overlay (wasm only). The
# sources come from Debian's source package (tools/setup.sh: `apt-get source imgui` into a cache
# outside git); a machine with internet may point -DEARSHOT_IMGUI_DIR (or FETCHCONTENT_SOURCE_DIR_IMGUI)
# at an upstream release tree instead.
earshot_source_dir(EARSHOT_IMGUI_DIR "${FETCHCONTENT_SOURCE_DIR_IMGUI}" backends/imgui_impl_opengl3.cpp
                   "Dear ImGui 1.86 source tree (with backends/)" "imgui-1.86 source tree")
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
target_compile_options(earshot_imgui PRIVATE -Oz -flto)
