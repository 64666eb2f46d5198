// The embind surface of earshot.wasm: one declarative block of plain functions taking and returning
// strings, numbers and JS values (no class handles to .delete()). Calls live in a table keyed by a
// number, so one module can hold several (a chat and a voice call; React StrictMode mounting twice).
// client.js wraps it for embedders.
#include <map>
#include <memory>
#include <string>

#include <emscripten/bind.h>
#include <emscripten/val.h>

#include "driver.hpp"
#include "earshot/failures.hpp"
#include "earshot/json.hpp"
#include "earshot/qr.hpp"
#ifndef EARSHOT_SELFHOSTED_ONLY
#include "earshot/groupchat.hpp"
#include "earshot/vendor_profiles.hpp"
#endif
#include "earshot/wire.hpp"

namespace earshot::web {
namespace {
using emscripten::val;
using nlohmann::json;

std::vector<std::pair<int, std::unique_ptr<Driver>>> g_calls;  // (a map's code costs more)
int g_next = 1;

const char* kStopped = R"({"code":"driver.stopped","message":"The call is not running."})";

// json_text({"<key>": value}), key by key (initializer lists cost far more code in this build).
std::string one(const char* key, json value) {
  json o = json::object();
  o[key] = std::move(value);
  return json_text(o);
}

Driver* find(int id) {
  for (auto& [k, d] : g_calls)
    if (k == id) return d.get();
  return nullptr;
}

// start(configJson, hooks) -> {"id":N} or {"failure":{code,message}}.
// config: the page's runtime configuration (wire::config_from_json) plus {"url","saved","device","seed","entry"}:
// `entry` = {"room","token","userId","userName","signalingUrl","iceServers","ttl"} for an app-issued room token.
std::string start(const std::string& config_json, val hooks) {
  auto cfg = wire::config_from_json(config_json);
  if (!cfg) return one("failure", wire::to_json(cfg.failure()));
  json c = parse_json_text(config_json);
  DriverOptions options;
  options.config = cfg->call;
  auto str = [&](const json& j, const char* k) { return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : std::string(); };
  if (auto seed = c.find("seed"); seed != c.end() && seed->is_number()) options.seed = static_cast<std::uint64_t>(seed->get<double>());
  if (auto e = c.find("entry"); e != c.end() && e->is_object()) {
    json t = *e;
    t["type"] = "token-given";
    auto in = wire::page_input_from_json(json_text(t));
    if (!in) return one("failure", wire::to_json(in.failure()));
    options.first.emplace(std::move(*in));
  } else {
    options.first.emplace(in::PageOpened{str(c, "url"), str(c, "saved"), str(c, "device")});
  }
  const int id = g_next++;
  g_calls.emplace_back(id, std::make_unique<Driver>(std::move(options), std::move(hooks)));
  return one("id", id);
}

std::string send(int id, const std::string& input_json) {
  Driver* d = find(id);
  return d ? d->send(input_json) : std::string(kStopped);
}
void on_event(int id, unsigned handle, int event, val value) {
  if (Driver* d = find(id)) d->on_event(handle, event, std::move(value));
}
// What the call has been doing (earshot/diagnostics.hpp), for the diagnostics overlay and support reports.
std::string diagnostics(int id) {
  Driver* d = find(id);
  return d ? d->diagnostics_json() : std::string("null");
}
val mic_stream(int id) { Driver* d = find(id); return d ? d->mic_stream() : val::null(); }
val peers(int id) { Driver* d = find(id); return d ? d->peers() : val::array(); }
val set_output(int id, const std::string& device) { Driver* d = find(id); return d ? d->set_output(device) : val::null(); }
void resume_audio(int id) { if (Driver* d = find(id)) d->resume_audio(); }
void stop(int id) {
  std::unique_ptr<Driver> gone;  // destroyed after it has left the list (its teardown may call back in)
  for (auto it = g_calls.begin(); it != g_calls.end(); ++it)
    if (it->first == id) {
      gone = std::move(it->second);
      g_calls.erase(it);
      break;
    }
}
#if !defined(EARSHOT_SELFHOSTED_ONLY) && !defined(EARSHOT_KVS_ONLY)
void vendor_stats(int id, int peer, const std::string& participant, val report) {
  if (Driver* d = find(id)) d->vendor_stats(peer, participant, report);
}

#endif
#if !defined(EARSHOT_SELFHOSTED_ONLY) && !defined(EARSHOT_WITHOUT_KVS)
// ---- the kvs chat (groupchat.hpp), for web/vendor/kvs.js: sans-IO like a call. The page opens the
// socket at chatUrl(), feeds it frames (chatFrame), gives commands (chatDo) and takes what to send and
// what happened (chatTake). Voice credentials come out as the entry a voice call starts with.
struct Chat {
  groupchat::Client client;
  std::string username;
};
std::map<int, Chat> g_chats;

int chat_open(const std::string& username) {
  const int id = g_next++;
  g_chats[id].username = username;
  return id;
}
std::string chat_url(const std::string& endpoint, const std::string& username) { return groupchat::Client::url(endpoint, username); }
// {"do":"create"|"join"|"approve"|"reject"|"send"|"members"|"history"|"start-voice"|"voice"|"end-voice", "arg"} -> "" or a failure.
std::string chat_do(int id, const std::string& command_json) {
  auto it = g_chats.find(id);
  if (it == g_chats.end()) return kStopped;
  groupchat::Client& c = it->second.client;
  const json cmd = parse_json_text(command_json);
  const std::string what = json_string(cmd, "do"), arg = json_string(cmd, "arg");
  if (what == "create") c.create_room(arg);
  else if (what == "join") c.join_room(arg);
  else if (what == "approve") c.approve(arg);
  else if (what == "reject") c.reject(arg);
  else if (what == "members") c.get_members();
  else if (what == "history") c.get_messages(100);
  else if (what == "start-voice") c.start_voice();
  else if (what == "voice") c.voice_credentials();
  else if (what == "end-voice") c.end_voice();
  else if (what == "send") {
    if (auto f = c.send_message(arg)) return json_text(wire::to_json(*f));
  } else return R"({"code":"chat.unknown_command","message":"Unknown chat command."})";
  return "";
}
void chat_frame(int id, const std::string& text) {
  if (auto it = g_chats.find(id); it != g_chats.end()) it->second.client.handle_frame(text);
}
// {"out":[frames to send], "events":[...]} (groupchat::to_json; voice credentials carry `entry`).
std::string chat_take(int id, double now) {
  json out = json::array(), events = json::array();
  auto it = g_chats.find(id);
  if (it != g_chats.end()) {
    Chat& chat = it->second;
    while (auto f = chat.client.poll_transmit()) out.push_back(*f);
    while (auto e = chat.client.poll_event()) {
      json j = groupchat::to_json(*e);
      if (auto* v = std::get_if<groupchat::ev::VoiceCredentials>(&*e))
        j["entry"] = KvsProfile::entry_for(*v, chat.username, v->master.empty() ? chat.client.voice_master() : v->master, static_cast<Instant>(now));
      events.push_back(std::move(j));
    }
  }
  json o = json::object();
  o["out"] = std::move(out);
  o["events"] = std::move(events);
  return json_text(o);
}
#endif

// The failure catalog's entry for a code: {code, fault, retryable, title, next} or null. Pages draw
// their help text from this, so there is no second copy of it in JS.
std::string describe_failure(const std::string& code) {
  const FailureInfo* f = failure_info(code);
  if (!f) return "null";
  json o = json::object();
  o["code"] = f->code;
  o["fault"] = to_string(f->fault);
  o["retryable"] = f->retryable;
  o["title"] = f->title;
  o["next"] = f->next;
  return json_text(o);
}

}  // namespace

EMSCRIPTEN_BINDINGS(earshot) {
  emscripten::function("start", &start);
  emscripten::function("send", &send);
  emscripten::function("event", &on_event);
  emscripten::function("diagnostics", &diagnostics);
  emscripten::function("micStream", &mic_stream);
  emscripten::function("peers", &peers);
  emscripten::function("setOutput", &set_output);
  emscripten::function("resumeAudio", &resume_audio);
  emscripten::function("stop", &stop);
  emscripten::function("describeFailure", &describe_failure);
#if !defined(EARSHOT_SELFHOSTED_ONLY) && !defined(EARSHOT_KVS_ONLY)  // the Chime/IVS pages: the IVS invite's QR code (qr.hpp), an SDK connection's stats
  emscripten::function("qrRows", +[](std::string text) { return qr_rows(text); });
  emscripten::function("vendorStats", &vendor_stats);
#endif
#if !defined(EARSHOT_SELFHOSTED_ONLY) && !defined(EARSHOT_WITHOUT_KVS)  // the kvs pages: the group chat
  emscripten::function("chatOpen", &chat_open);
  emscripten::function("chatUrl", &chat_url);
  emscripten::function("chatDo", &chat_do);
  emscripten::function("chatFrame", &chat_frame);
  emscripten::function("chatTake", &chat_take);
  emscripten::function("chatClose", +[](int id) { g_chats.erase(id); });
#endif
}

}  // namespace earshot::web
