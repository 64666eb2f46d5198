// The C++ types the page's embind calls can carry, registered with embind's JS side at start-up.
// embind's own registration (system/lib/embind/bind.cpp) registers every builtin type: wide and UTF-16/32
// strings, 64-bit integers, a memory view of every element type. Each registration keeps its JS
// converter in the glue and its type name in the wasm. The driver and bindings pass only the types
// below (ints, doubles, bools, UTF-8 strings, vals and a float sample buffer), so defining the two
// symbols the linker would take from bind.cpp keeps that object out and the rest unshipped: about 0.9 KB
// brotli of glue and wasm. Without bind.cpp the page needs no RTTI either (type ids are addresses, as in
// embind's no-RTTI build), which drops every typeinfo name: another 0.5 KB. A type missing here fails
// loudly ("... has unknown type") at the first call that carries it, which every browser test would see.
#include <limits>
#include <cstdio>
#include <cstring>
#include <string>

#include <emscripten/bind.h>
#include <emscripten/emscripten.h>
#include <emscripten/val.h>

namespace {
using emscripten::internal::TypeID;
using emscripten::internal::_embind_register_integer;

template <class T>
void integer(const char* name) {
  _embind_register_integer(TypeID<T>::get(), name, sizeof(T), static_cast<long>(std::numeric_limits<T>::min()),
                           static_cast<unsigned long>(std::numeric_limits<T>::max()));
}
}  // namespace

extern "C" {
// embind's JS asks for a type's name only to word an error ("... has unknown type <name>"). Built without
// RTTI (EMSCRIPTEN_HAS_UNBOUND_TYPE_NAMES=0, as embind's no-RTTI variant), a type is known by the address
// of its id, which is what this names, as bind.cpp does (in decimal, "type 24080": no printf on the page).
EMSCRIPTEN_KEEPALIVE const char* __getTypeName(const void* id) {
  return strdup(("type " + std::to_string(reinterpret_cast<std::uintptr_t>(id))).c_str());
}

EMSCRIPTEN_KEEPALIVE __attribute__((constructor)) void __embind_register_native_and_builtin_types() {
  using namespace emscripten::internal;
  _embind_register_void(TypeID<void>::get(), "void");
  _embind_register_bool(TypeID<bool>::get(), "bool", sizeof(bool), true, false);
  integer<char>("char");
  integer<signed char>("signed char");
  integer<unsigned char>("unsigned char");
  integer<short>("short");
  integer<unsigned short>("unsigned short");
  integer<int>("int");
  integer<unsigned int>("unsigned int");
  integer<long>("long");
  integer<unsigned long>("unsigned long");
  _embind_register_float(TypeID<float>::get(), "float", sizeof(float));
  _embind_register_float(TypeID<double>::get(), "double", sizeof(double));
  _embind_register_std_string(TypeID<std::string>::get(), "std::string");
  _embind_register_emval(TypeID<emscripten::val>::get(), "emscripten::val");
  // Driver::sample_levels reads an AnalyserNode into a float buffer (6 = Float32Array in embind.js).
  _embind_register_memory_view(TypeID<emscripten::memory_view<float>>::get(), 6, "emscripten::memory_view<float>");
}
}
