// make_profile(): the profiles this build knows. The room page's wasm for the selfhosted profile is
// built with EARSHOT_SELFHOSTED_ONLY, so no other profile's code ships on its page; native builds,
// the simulation and the vendor profiles' pages know them all.
#include "earshot/failures.hpp"
#include "earshot/selfhosted.hpp"
#include "earshot/vendor_profiles.hpp"

namespace earshot {

Result<std::unique_ptr<const Profile>> make_profile(const ProfileConfig& c) {
  std::string base = c.api_base;
  while (!base.empty() && base.back() == '/') base.pop_back();
  if (c.name == "selfhosted") {
    Topology t = c.room_size > 2 ? Topology::Mesh : Topology::Pair;
    if (c.topology == "star") t = Topology::Star;
    else if (c.topology == "mesh") t = Topology::Mesh;
    return std::unique_ptr<const Profile>(std::make_unique<SelfhostedProfile>(base, t));
  }
#ifndef EARSHOT_SELFHOSTED_ONLY
#ifndef EARSHOT_KVS_ONLY  // (the kvs pages' wasm knows kvs alone; the chime/ivs pages' knows no kvs)
  if (c.name == "chime") return std::unique_ptr<const Profile>(std::make_unique<ChimeProfile>(base));
  if (c.name == "ivs") return std::unique_ptr<const Profile>(std::make_unique<IvsProfile>(base));
#endif
#ifndef EARSHOT_WITHOUT_KVS
  if (c.name == "kvs") return std::unique_ptr<const Profile>(std::make_unique<KvsProfile>(base));
#endif
#endif
  if (c.name == "chime" || c.name == "kvs" || c.name == "ivs") return make_failure("profile.unavailable", {{"name", c.name}});
  return make_failure("profile.unknown", {{"name", utf8_prefix(c.name, 40)}});
}

}  // namespace earshot
