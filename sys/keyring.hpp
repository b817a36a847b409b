#pragma once
// The kernel's key retention service (keyrings(7)), through libkeyutils:
// "user" keys in the session keyring, readable by their possessor only.
//
// Which keyring "the session keyring" is: the one the process inherited
// from whatever set up its login (pam_keyinit, systemd's KeyringMode=,
// `keyctl session`), shared with every process started from there since,
// so `pprotect unlock` in a shell and `pprotect decrypt-domain` after it in
// the same login see the same keys, and a logout (the last process of the
// session gone) drops them. A process that has none is lent the user's
// default session keyring (`_uid_ses.<uid>`), which every process of the
// uid without a session keyring of its own shares. These functions never
// create a session keyring: one created for this process would die with it,
// taking the key along (add_key(2) on KEY_SPEC_SESSION_KEYRING would do
// exactly that), so they resolve the keyring's number first and use it.

#include "sys/secure_buffer.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace pprotect::sys {

using KeySerial = std::int32_t;

// A keyring call that failed: errno and a one-line message naming the call.
class KeyringError : public std::runtime_error {
public:
  KeyringError(int error, bool refused, const std::string& message)
      : std::runtime_error(message), m_error(error), m_refused(refused) {}
  int error() const { return m_error; }
  // The kernel refuses keyrings to this process altogether: ENOSYS (built
  // without CONFIG_KEYS), EPERM (a seccomp profile, as Docker's and
  // podman's default ones, which filter add_key, keyctl and request_key, or
  // systemd's SystemCallFilter=), or EACCES on the session keyring itself.
  // The message then starts "the kernel refuses keyrings here".
  bool refused() const { return m_refused; }

private:
  int m_error;
  bool m_refused;
};

struct SessionKeyring {
  KeySerial id = 0;
  // True when the process has no session keyring of its own and uses the
  // user's default one, shared by all the uid's processes without one.
  bool user_default = false;
};

// The session keyring in force, without creating one. Throws KeyringError
// (refused() when the kernel refuses keyrings here).
[[nodiscard]] SessionKeyring session_keyring();

// Gives this process (and what it starts from now on) a new, empty session
// keyring of its own, leaving the one it had: keys cached there are no
// longer its to find or read. Returns 0 or the errno. A single system call,
// so a child may call it between fork (or vfork) and exec: pprotect-run's
// child, which must not inherit the custodian keys `pprotect unlock`
// cached, and tests that must not touch the user's keyring.
[[nodiscard]] int join_new_session_keyring() noexcept;

// Permission bits (keyctl_setperm) that give the possessor alone view, read,
// write, search and setattr: no other process of the uid, no group, no one
// else; not even link, so the key stays where it was put.
inline constexpr std::uint32_t k_possessor_only_permissions = 0x2f000000;

// Stores a "user" key (payload: 1 to 32,767 bytes) in keyring with
// possessor-only permissions, expiring ttl after now, and returns its
// serial. It displaces a key of the same description linked in that keyring
// before. Throws std::invalid_argument for a zero ttl (the kernel reads 0
// as "never expires"), an empty or oversized payload or a description over
// 4,095 bytes, and KeyringError.
// WARNING: the key reaches keyring only once its expiry is set: a process
// killed half-way never leaves a secret that outlives its ttl.
KeySerial add_user_key(KeySerial keyring, std::string_view description, std::string_view payload,
                       std::chrono::seconds ttl);

// The "user" key of that description in keyring (or a keyring linked in
// it) that this process possesses and may search; nullopt when there is
// none, it has expired or was revoked. Throws KeyringError on any other
// failure.
[[nodiscard]] std::optional<KeySerial> find_user_key(KeySerial keyring, std::string_view description);

// The key's payload, read straight into locked memory; a payload longer than
// max_size is an error. Throws KeyringError (EKEYEXPIRED, EKEYREVOKED,
// EACCES, EMSGSIZE for an oversized payload...).
[[nodiscard]] SecureBuffer read_key(KeySerial key, std::size_t max_size);

// Revokes the key (it can no longer be read, through any keyring that links
// it) and unlinks it from keyring. A key that is gone already is no error.
// Throws KeyringError on any other failure.
void revoke_key(KeySerial keyring, KeySerial key);

// What keyctl_describe tells about a key.
struct KeyAttributes {
  KeySerial id = 0;
  std::string type; // "user", "keyring", ...
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::uint32_t permissions = 0;
  std::string description;
};

// Throws KeyringError (EACCES for a key this process may not view).
[[nodiscard]] KeyAttributes describe_key(KeySerial key);

// The keys linked directly in keyring whose type is "user" and whose
// description starts with prefix, skipping those this process may not view
// or that went while it looked. Throws KeyringError when the keyring
// cannot be read.
[[nodiscard]] std::vector<KeyAttributes> user_keys_with_prefix(KeySerial keyring, std::string_view prefix);

} // namespace pprotect::sys
