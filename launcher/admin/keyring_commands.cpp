// Unlock once: `pprotect unlock` caches the acting custodian's derived key in
// the session keyring, `pprotect unlock --status` lists what is cached,
// `pprotect lock` revokes it all (policy/keyring_cache.hpp holds the keys'
// format; sys/keyring.hpp says which keyring is the session's).
#include "launcher/admin/commands.hpp"
#include "launcher/admin/session.hpp"
#include "policy/keyring_cache.hpp"
#include "store/errors.hpp"
#include "sys/keyring.hpp"
#include "sys/printable.hpp"

#include <chrono>
#include <string>
#include <unistd.h>

namespace pprotect::admin {

namespace {

// "15 min", "1 h 30 min", "59 s", "1 d 2 h 3 min 4 s": the units in use.
std::string duration_text(std::chrono::seconds duration) {
  struct Unit {
    long long seconds;
    const char* name;
  };
  static constexpr Unit k_units[] = {{86400, "d"}, {3600, "h"}, {60, "min"}, {1, "s"}};
  long long left = duration.count();
  std::string text;
  for (const Unit& unit : k_units) {
    if (left >= unit.seconds) {
      if (!text.empty()) {
        text += ' ';
      }
      text += std::to_string(left / unit.seconds);
      text += ' ';
      text += unit.name;
      left %= unit.seconds;
    }
  }
  return text.empty() ? "0 s" : text;
}

// One line for a refused or failing keyring: where the kernel refuses
// keyrings (a container's seccomp profile) unlock, --status and lock can do
// nothing, and say so; exit 1.
[[noreturn]] void fail_keyring(const char* what, const sys::KeyringError& error) {
  std::string message = std::string(what) + ": " + error.what();
  if (error.refused()) {
    message += "; commands still work with a passphrase, without the keyring";
  }
  throw store::StoreError(message);
}

// The note for a process lent the uid's default session keyring.
std::string shared_keyring_note() {
  return "this process has no session keyring of its own, so the key is in the default session keyring of "
         "uid " +
         std::to_string(::getuid()) +
         ", which every process of the uid without one shares (a login through pam_keyinit, or "
         "`keyctl session`, gives a session one of its own)";
}

int show_status() {
  std::vector<policy::CachedKey> keys;
  sys::SessionKeyring session;
  try {
    session = sys::session_keyring();
    keys = policy::cached_keys();
  } catch (const sys::KeyringError& error) {
    fail_keyring("cannot list the cached keys", error);
  }
  if (keys.empty()) {
    say_err("(No keys cached in the session keyring)");
  }
  for (const auto& key : keys) {
    // Always escaped: any process of the session may store a key whose
    // description is ours in form and anything in content.
    say(sys::terminal_safe(key.custodian) + " for " + sys::terminal_safe(key.file.string()) + ": " +
        duration_text(key.time_left) + " left");
  }
  if (session.user_default && !keys.empty()) {
    say_err("note: " + shared_keyring_note());
  }
  return 0;
}

} // namespace

int run_unlock(Session& session) {
  if (session.options.status) {
    return show_status();
  }
  // Before the prompt and the derivation: where the kernel refuses keyrings
  // there is nothing to unlock into.
  sys::SessionKeyring keyring;
  try {
    keyring = sys::session_keyring();
  } catch (const sys::KeyringError& error) {
    fail_keyring("cannot cache the custodian's key", error);
  }
  const std::chrono::seconds ttl = session.options.ttl.value_or(policy::k_default_cache_ttl);
  const store::KeyFile file = load(session);
  // WARNING: never from the keyring (the flags refuse --use-keyring, and
  // PPROTECT_USE_KEYRING is not looked at): a cached key that could renew
  // itself would outlive its time to live without the passphrase.
  EndOfInputEndsPrompter prompter(session.prompter);
  const policy::Credentials credentials = policy::resolve_credentials(
      credential_options(session.options), session.env, prompter, session.path.string());
  const store::UnlockedCustodian custodian = policy::unlock(file, credentials);
  try {
    policy::cache_custodian_key(custodian, session.path, ttl);
  } catch (const sys::KeyringError& error) {
    fail_keyring("cannot cache the custodian's key", error);
  }
  say(listed("Cached the key of " + custodian.name + " for " + policy::cache_path_of(session.path).string() +
             " in the session keyring for " + duration_text(ttl) + "."));
  say("Commands use it with --use-keyring or PPROTECT_USE_KEYRING=1; \"pprotect lock\" revokes it.");
  if (keyring.user_default) {
    say_err("warning: " + shared_keyring_note());
  }
  return 0;
}

int run_lock(Session&) {
  std::size_t revoked = 0;
  try {
    revoked = policy::forget_cached_keys();
  } catch (const sys::KeyringError& error) {
    fail_keyring("cannot revoke the cached keys", error);
  }
  say(revoked == 0   ? std::string("No cached keys to revoke.")
      : revoked == 1 ? std::string("Revoked 1 cached key.")
                     : "Revoked " + std::to_string(revoked) + " cached keys.");
  return 0;
}

} // namespace pprotect::admin
