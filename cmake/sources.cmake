# Third-party sources compiled from their released trees, fetched by tools/setup.sh into a cache
# outside git, which records where each one is in <cache>/paths.env (EARSHOT_<NAME>_DIR=...).
# earshot_source_dir(<var> <fallback> <file that must exist> <description> <setup hint>) sets the cache
# variable <var> from, in order: -D<var>=..., the environment variable <var>, <fallback> (e.g. a
# FetchContent source dir; may be empty), paths.env; and stops with a sentence naming <hint> when the
# tree is not there. A build folder configured before setup fetched the tree picks it up on the next run.
set(_earshot_paths "$ENV{HOME}/.cache/earshot/paths.env")
if(DEFINED ENV{EARSHOT_CACHE})
  set(_earshot_paths "$ENV{EARSHOT_CACHE}/paths.env")
endif()

function(earshot_source_dir var fallback file description hint)
  set(_default "$ENV{${var}}")
  if(NOT _default AND fallback)
    set(_default "${fallback}")
  endif()
  if(NOT _default AND EXISTS "${_earshot_paths}")
    file(STRINGS "${_earshot_paths}" _line REGEX "^${var}=")
    string(REGEX REPLACE "^${var}=" "" _default "${_line}")
  endif()
  set(${var} "${_default}" CACHE PATH "${description}")
  if(NOT EXISTS "${${var}}/${file}" AND EXISTS "${_default}/${file}")
    set(${var} "${_default}" CACHE PATH "${description}" FORCE)
  endif()
  if(NOT EXISTS "${${var}}/${file}")
    message(FATAL_ERROR "${description} not found at '${${var}}'. Run tools/setup.sh first (or pass -D${var}=<${hint}>).")
  endif()
endfunction()
