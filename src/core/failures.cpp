// The failure catalog as one table. Add a code here, nowhere else: the page help (web/failures.js)
// and the TypeScript union (src/wasm/failures.d.ts) are generated from it by tools/catalog.cpp.
#include "earshot/failures.hpp"

#include <array>

namespace earshot {
namespace {
using F = Fault;
constexpr bool kRetry = true, kFinal = false;

constexpr std::array kCatalog = {
    // ---- the link you opened
    FailureInfo{"invite.missing", F::You, kFinal, "This link is incomplete. Open the complete invite link the host sent you.",
                "This link is incomplete", "Open the full link you were sent, or ask the host to send it again."},
    FailureInfo{"invite.malformed", F::You, kFinal, "This invite link is damaged ({detail}). Ask the host to send it again.",
                "This link is damaged", "It may have been cut off when copied. Ask the host to send it again."},
    FailureInfo{"invite.mismatch", F::You, kFinal, "This invite link was changed after it was made. Ask the host to send it again.",
                "This link is damaged", "Ask the host to send the link again."},
    FailureInfo{"invite.expired", F::You, kFinal, "This invite expired at {time}. Ask the host for a new link.",
                "This link has expired", "Invite links are short-lived. Ask the host to send you a new one."},
    FailureInfo{"invite.used", F::You, kFinal, "This invite link has already been used. Each link works once: ask the host for a new one.",
                "This link was already used", "Each invite link lets one person in, once. Ask the host for a new link."},
    FailureInfo{"invite.invalid", F::You, kFinal, "The call server did not accept this invite link (it was changed or damaged). Ask the host for a new link.",
                "This link is not valid", "Ask the host for a new link."},
    FailureInfo{"invite.replaced", F::You, kFinal, "This link was replaced by a newer one. Ask the host for the new link.",
                "This link was replaced", "The host made a new link for this seat. Ask them to send it to you."},
    FailureInfo{"invite.in_use", F::You, kRetry, "You are in this call on another device.",
                "You are in this call on another device", "Join here to move the call to this device; the other one leaves it."},
    FailureInfo{"session.moved", F::You, kFinal, "You joined this call on another device.",
                "You joined on another device", "The call moved to your other device or tab. Use that one, or rejoin here."},
    FailureInfo{"session.replaced", F::You, kFinal, "The host gave your seat a new link.",
                "Your link was replaced", "Ask the host for the new link."},
    FailureInfo{"name.invalid", F::You, kRetry, "Enter a name of 1 to 40 characters.",
                "Enter your name", "Type the name the others will see, then press Join."},
    // ---- the room
    FailureInfo{"room.not_found", F::Server, kFinal, "This room does not exist any more (it may have ended or expired). Ask the host for a new link.",
                "This room does not exist", "The call may have ended or expired. Ask the host for a new link."},
    FailureInfo{"room.expired", F::Server, kFinal, "This room has closed. Ask the host to create a new one.",
                "This room has closed", "Ask the host to create a new room."},
    FailureInfo{"room.closed", F::Server, kFinal, "The host closed this room.",
                "The host closed this room", "Ask the host to create a new room if you need to talk again."},
    FailureInfo{"room.full", F::OtherSide, kFinal, "{sentence}",
                "This call is full", "If you were in it before, wait for your old tab to drop out, or ask the host."},
    FailureInfo{"join.rejected", F::OtherSide, kFinal, "The room's admin did not let you in{detail}.",
                "You were not let in", "Ask the room's admin, or join another room."},
#ifndef EARSHOT_SELFHOSTED_ONLY  // vendor profiles only
    FailureInfo{"meeting.ended", F::OtherSide, kFinal, "The meeting has ended.",
                "The meeting has ended", "Ask the host to start a new one."},
    FailureInfo{"meeting.removed", F::OtherSide, kFinal, "You were removed from the meeting.",
                "You were removed from the meeting", "Ask the host if you should join again."},
    FailureInfo{"meeting.full", F::OtherSide, kFinal, "The meeting is full: it has no room for another attendee.",
                "The meeting is full", "Ask the host; someone may need to leave first."},
    FailureInfo{"chat.too_large", F::You, kRetry, "This message is {size} KB; a chat message can be at most {max} KB. Shorten it and send it again.",
                "The message is too long", "Shorten it, or send it in parts."},
    FailureInfo{"chat.no_room", F::Page, kRetry, "Join a room before sending messages.",
                "You are not in a room", "Create a room or ask to join one first."},
    FailureInfo{"stage.refused", F::Server, kRetry, "The stage refused your participant token ({detail}). Press Try again to join with a new one.",
                "The stage refused you", "Press Try again: joining again gets a new token."},
    FailureInfo{"meeting.refused", F::Server, kFinal, "The meeting service refused this attendee's credentials ({detail}). Ask the host for a new link.",
                "The meeting service refused you", "Ask the host for a new link."},
#endif
    FailureInfo{"session.expired", F::You, kFinal, "Your place in this room expired at {time} before the call could start. Ask the host for a new link.",
                "Your session expired", "Ask the host for a new link."},
    FailureInfo{"token.expired", F::You, kFinal, "Your place in this room has expired. Ask the host for a new link.",
                "Your session expired", "Ask the host for a new link."},
    FailureInfo{"token.invalid", F::Server, kFinal, "The call server refused this session ({code}). Reload the page; if it persists, ask the host for a new link.",
                "The server refused this session", "Reload the page; if it persists, ask the host for a new link."},
    FailureInfo{"token.missing", F::Page, kFinal, "The call server refused this session ({code}). Reload the page; if it persists, ask the host for a new link.",
                "The server refused this session", "Reload the page; if it persists, ask the host for a new link."},
    FailureInfo{"token.wrong_room", F::Page, kFinal, "The call server refused this session ({code}). Reload the page; if it persists, ask the host for a new link.",
                "The server refused this session", "Reload the page; if it persists, ask the host for a new link."},
    FailureInfo{"token.malformed", F::Page, kFinal, "The room token handed to this page is not valid ({detail}).",
                "This page was given a bad token", "The site that embeds this call must hand it a valid room token."},
    // ---- your device
    FailureInfo{"mic.denied", F::YourDevice, kRetry, "Microphone access is blocked for this page. Allow it in the browser's site settings (the icon left of the address bar), then press Try again.",
                "Microphone access is blocked", "Click the lock or camera icon left of the address bar, set Microphone to Allow, then press Try again. On a phone, check the browser's site settings."},
    FailureInfo{"mic.missing", F::YourDevice, kRetry, "No microphone was found. Plug one in (or enable it in your system settings), then press Try again.",
                "No microphone found", "Plug in a headset or microphone (or enable it in your system sound settings), then press Try again."},
    FailureInfo{"mic.in_use", F::YourDevice, kRetry, "The microphone is in use by another application or could not be started. Close other apps using it, then press Try again.",
                "The microphone is busy", "Close other apps that use the microphone (other calls, recorders), then press Try again."},
    FailureInfo{"mic.failed", F::YourDevice, kRetry, "The microphone could not be started{detail}. Press Try again.",
                "The microphone did not start", "Check your system sound settings, then press Try again."},
    FailureInfo{"webrtc.unavailable", F::YourDevice, kFinal, "This browser could not start a call connection{detail}. Try an up-to-date Chrome, Edge, Firefox or Safari.",
                "This browser cannot make calls", "Try an up-to-date Chrome, Edge, Firefox or Safari."},
#ifndef EARSHOT_SELFHOSTED_ONLY  // vendor profiles only
    FailureInfo{"vendor.unavailable", F::YourDevice, kRetry, "The {vendor} calling library could not be loaded{detail}. Check your connection, then press Try again.",
                "The calling library did not load", "Check your connection (or an ad blocker), then press Try again."},
#endif
    // ---- your network
    FailureInfo{"backend.unreachable", F::YourNetwork, kRetry, "Could not reach the call server{host}. Check your connection, then try again.",
                "Can't reach the call server", "Check your internet connection. Earshot will keep the link; press Try again when you are back online."},
    FailureInfo{"signal.unreachable", F::YourNetwork, kRetry, "Lost the connection to the call server and could not get it back. Check your connection, then try again.",
                "Lost the connection to the call server", "Check your internet connection, then press Try again."},
#ifndef EARSHOT_SELFHOSTED_ONLY  // kvs only
    FailureInfo{"voice.unreachable", F::Server, kRetry, "Could not get into {master}'s voice chat. It takes {master} and at most 10 others, so it may be full; otherwise your network blocks it. Try again when someone leaves voice.",
                "Could not get into voice", "The voice chat may be full (10 listeners at most). Try again when someone leaves voice; if no one is in it, check your connection."},
#endif
    FailureInfo{"relay.unreachable", F::YourNetwork, kFinal, "Could not reach the relay server{detail}, so audio cannot connect. Ask the host to check the TURN settings.",
                "Could not reach the relay", "Your network blocks direct calls and the relay server did not accept the connection. Try another network, or tell the host."},
    FailureInfo{"media.timeout", F::YourNetwork, kRetry, "Could not connect audio with {name} within {seconds} seconds. A firewall may be blocking calls; try another network.",
                "Audio could not connect", "A firewall or VPN may block calls. Try another network, then press Try again."},
    FailureInfo{"call.lost", F::YourNetwork, kRetry, "The connection to {name} was lost and could not be restored.",
                "The call dropped", "Press Try again to reconnect."},
    // ... while the call server is out of reach too: the likely cause is this side's network
    FailureInfo{"network.lost", F::YourNetwork, kRetry, "Neither {name} nor the call server can be reached from here.",
                "The call dropped", "Check your internet connection, then press Try again."},
#ifndef EARSHOT_SELFHOSTED_ONLY  // vendor profiles only
    FailureInfo{"vendor.failed", F::Server, kRetry, "The call service stopped the session ({detail}).",
                "The call service stopped", "Press Try again in a moment."},
#endif
    // ---- the server
    FailureInfo{"backend.error", F::Server, kRetry, "The call server had a problem (HTTP {status}). Try again in a moment.",
                "The call server had a problem", "Wait a moment and press Try again."},
    FailureInfo{"backend.unexpected", F::Server, kFinal, "The call server answered HTTP {status}, which Earshot did not expect.",
                "The call server answered oddly", "Tell the host; the server may be misconfigured."},
    FailureInfo{"backend.bad_response", F::Server, kFinal, "The call server sent an answer Earshot does not understand. Try again later.",
                "The call server answered oddly", "Tell the host; the server may be misconfigured."},
    FailureInfo{"backend.refused", F::Server, kFinal, "{sentence}",
                "The call server refused", "Ask the host for a new link."},
    // a backend that is up but broken in a known way (seed 000's Troubleshooting): named for its operator
#ifndef EARSHOT_SELFHOSTED_ONLY  // vendor profiles only
    FailureInfo{"backend.fault", F::Server, kFinal, "The call server is misconfigured: {detail}",
                "The call server is misconfigured", "Tell the host: the server's operator must fix it."},
#endif
    FailureInfo{"rate.limited", F::Server, kRetry, "Too many attempts in a short time. Wait a minute, then try again.",
                "Too many attempts", "Wait a minute, then press Try again."},
    FailureInfo{"signal.bad_url", F::Server, kFinal, "The call server gave a signaling address Earshot cannot use ({detail}).",
                "The call server is misconfigured", "Tell the host."},
    FailureInfo{"signal.garbage", F::Server, kFinal, "The call server sent a message Earshot does not understand ({detail}).",
                "The call server answered oddly", "Tell the host."},
    // ---- the page and its configuration
    FailureInfo{"profile.unknown", F::Page, kFinal, "Unknown backend profile '{name}' in config.json (expected selfhosted, chime, kvs or ivs).",
                "This page is misconfigured", "Tell the site's owner: config.json names an unknown profile."},
    FailureInfo{"profile.unavailable", F::Page, kFinal, "The '{name}' backend profile is not available in this build yet.",
                "This page is misconfigured", "Tell the site's owner: this build lacks the configured profile."},
    FailureInfo{"config.malformed", F::Page, kFinal, "The page configuration is not valid{detail}.",
                "This page is misconfigured", "Tell the site's owner: config.json is not valid."},
    FailureInfo{"input.malformed", F::Page, kFinal, "{detail}", "Something went wrong", "Reload the page."},
    FailureInfo{"driver.stopped", F::Page, kFinal, "The call is not running.", "Something went wrong", "Reload the page."},
};
}  // namespace

std::string_view to_string(Fault f) {
  switch (f) {
    case F::You: return "you";
    case F::YourDevice: return "your-device";
    case F::YourNetwork: return "your-network";
    case F::Server: return "server";
    case F::OtherSide: return "other-side";
    case F::Page: return "page";
  }
  return "page";
}

std::span<const FailureInfo> failure_catalog() { return kCatalog; }

const FailureInfo* failure_info(std::string_view code) {
  for (const auto& f : kCatalog)
    if (f.code == code) return &f;
  return nullptr;
}

bool is_retryable(std::string_view code) {
  const FailureInfo* f = failure_info(code);
  return f != nullptr && f->retryable;
}

bool failure_needs_no_values(std::string_view code) {
  const FailureInfo* info = failure_info(code);
  if (!info || code == "backend.refused") return false;
  std::string_view s = info->sentence;
  for (std::size_t open = s.find('{'); open != std::string_view::npos; open = s.find('{', open + 1))
    if (s.substr(open, 6) != "{code}") return false;
  return true;
}

Failure make_failure(std::string_view code, std::initializer_list<std::pair<std::string_view, std::string>> vars) {
  const FailureInfo* info = failure_info(code);
  std::string_view text = info ? info->sentence : std::string_view("Something went wrong ({code}).");
  std::string out;
  out.reserve(text.size() + 32);
  for (std::size_t i = 0; i < text.size();) {
    if (text[i] == '{') {
      const std::size_t close = text.find('}', i);
      if (close != std::string_view::npos) {
        const std::string_view key = text.substr(i + 1, close - i - 1);
        bool found = false;
        for (const auto& [k, v] : vars)
          if (k == key) { out += v; found = true; break; }
        if (!found && key == "code") { out += code; found = true; }
        if (found || key.find(' ') == std::string_view::npos) { i = close + 1; continue; }
      }
    }
    out += text[i++];
  }
  return Failure{std::string(code), std::move(out)};
}

}  // namespace earshot
