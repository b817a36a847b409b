#pragma once
// The protected file's content and every operation of the reference on it.
// Each mutation appends the reference's audit entry (section 3 of
// shared/docs/reference-behaviour.md).

#include "store/key_type.hpp"
#include "store/yaml/protected_yaml.hpp"
#include "sys/secure_buffer.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pprotect::store {

// A raw custodian's generated passphrase: "P" + 64 lowercase hex + "P".
sys::SecureBuffer generate_raw_passphrase();

// A custodian whose passphrase was checked: its derived X25519 keypair.
// Obtained only from KeyFile::unlock (one key derivation per command) or
// KeyFile::unlock_with_key (a key derived before, checked again).
struct UnlockedCustodian {
  std::string name;
  sys::SecureBuffer secret_key; // 32 bytes
  std::string public_key;       // 32 raw bytes
};

// Whether unlock accepts a custodian record whose stored Argon2id limits
// exceed the strongest the reference writes (a hard custodian's opslimit 4
// and 256 MiB). The file sets the cost; anyone who can commit to it could
// otherwise make every command run for hours or take gigabytes.
enum class ExpensiveKdf { refuse, allow };

// Decrypted secrets of one domain: name -> plaintext, in name order.
using SecretValues = std::map<std::string, sys::SecureBuffer>;

// Where audit timestamps come from; tests set a fixed clock.
using AuditClock = std::function<std::int64_t()>; // seconds since the epoch

class KeyFile {
public:
  // An empty file whose audit log starts with "created", in the newest
  // layout (what `pip install pocket_protector` writes today).
  static KeyFile create(AuditClock clock = {});
  // Throws StoreError on malformed YAML, a bad structure, an invalid base64
  // field or an unsupported version byte. The file keeps the layout its
  // text was written in.
  static KeyFile parse(std::string_view text, std::string_view path, AuditClock clock = {});
  // The text in the file's layout. Throws StoreError as emit_protected_yaml.
  std::string emit() const;

  const FileData& data() const { return m_data; }
  YamlLayout layout() const { return m_layout; }
  // The layout the next emit() writes; content and audit log stay as they are.
  void set_layout(YamlLayout layout) { m_layout = layout; }

  // --- queries ---
  std::vector<std::string> domain_names() const;
  std::vector<std::string> custodian_names() const;
  // Throws StoreError when the domain does not exist.
  std::vector<std::string> secret_names(std::string_view domain) const;
  std::vector<std::string> owner_names(std::string_view domain) const;
  std::vector<std::string> domains_owned_by(std::string_view custodian) const;
  bool has_domain(std::string_view domain) const;
  bool has_custodian(std::string_view custodian) const;
  KeyType key_type_of(std::string_view custodian) const;
  const std::vector<std::string>& audit_log() const { return m_data.audit_log; }

  // --- credentials ---
  // Derives the custodian's key once and checks it against the stored public
  // key. Throws CredentialError when the custodian is unknown or the
  // passphrase is wrong, and StoreError naming the custodian when its
  // record asks for a costlier derivation than the reference ever writes
  // (unless expensive is allow).
  [[nodiscard]] UnlockedCustodian unlock(std::string_view custodian, std::string_view passphrase,
                                         ExpensiveKdf expensive = ExpensiveKdf::refuse) const;
  // The same from a secret key derived before (a cached one): no derivation,
  // the public key of secret_key must be the one stored for the custodian.
  // Throws CredentialError when the custodian is unknown or the key is not
  // its key (any more), StoreError when its record cannot be read.
  [[nodiscard]] UnlockedCustodian unlock_with_key(std::string_view custodian,
                                                  sys::SecureBuffer secret_key) const;

  // --- custodians ---
  // Throws StoreError when the name is taken or empty.
  void add_key_custodian(std::string_view name, std::string_view passphrase, KeyType type);
  // Throws StoreError when the custodian is the last owner of a domain.
  void remove_key_custodian(std::string_view name);
  void set_key_custodian_passphrase(const UnlockedCustodian& who, std::string_view new_passphrase);
  void rekey_custodian(const UnlockedCustodian& who, std::string_view new_passphrase, KeyType type);

  // --- domains ---
  // Throws StoreError for a name that exists, is empty, or would clobber a
  // file section ("key-custodians", "audit-log").
  void add_domain(std::string_view domain, std::string_view owner);
  void remove_domain(std::string_view domain);
  void add_owner(std::string_view domain, std::string_view new_owner, const UnlockedCustodian& acting);
  // Throws StoreError when it is the domain's last owner.
  void remove_owner(std::string_view domain, std::string_view owner);
  void rotate_domain_key(std::string_view domain, const UnlockedCustodian& owner);

  // --- secrets ---
  // Secret names must match ^[A-Za-z][-_A-Za-z0-9]*$.
  void add_secret(std::string_view domain, std::string_view name, std::string_view value); // exists: error
  void update_secret(std::string_view domain, std::string_view name,
                     std::string_view value);                                              // missing: error
  void set_secret(std::string_view domain, std::string_view name, std::string_view value); // either
  void remove_secret(std::string_view domain, std::string_view name);

  // Keeps the newest max_entries entries and prepends
  // "truncated <k> audit log entries".
  void truncate_audit_log(std::size_t max_entries);

  // Throws StoreError when the domain is missing or the custodian does not
  // own it, or a ciphertext does not open.
  [[nodiscard]] SecretValues decrypt_domain(std::string_view domain, const UnlockedCustodian& owner) const;

private:
  FileData m_data;
  AuditClock m_clock;
  YamlLayout m_layout = k_newest_yaml_layout;
};

} // namespace pprotect::store
