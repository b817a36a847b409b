#include "store/key_file.hpp"

#include "store/crypto.hpp"
#include "store/errors.hpp"
#include "store/reference_wording.hpp"
#include "sys/hex.hpp"
#include "sys/printable.hpp"

#include <algorithm>
#include <atomic>
#include <ctime>
#include <exception>
#include <sodium.h>
#include <system_error>
#include <thread>
#include <utility>

namespace pprotect::store {

namespace {

constexpr std::size_t k_owner_entry_size = crypto::k_key_size + crypto::k_seal_overhead;
// decrypt_domain opens secrets on up to k_max_threads threads, one per
// k_secrets_per_thread secrets.
constexpr std::size_t k_max_threads = 4;
constexpr std::size_t k_secrets_per_thread = 64;

std::string secret_what(std::string_view domain, std::string_view secret) {
  return "secret " + sys::quoted_name(secret) + " of domain " + sys::quoted_name(domain);
}

std::string owner_what(std::string_view domain, std::string_view owner) {
  return "owner entry of " + sys::quoted_name(owner) + " in domain " + sys::quoted_name(domain);
}

std::string public_key_what(std::string_view domain) {
  return "public-key of domain " + sys::quoted_name(domain);
}

std::int64_t system_clock_seconds() {
  return static_cast<std::int64_t>(std::time(nullptr));
}

// ^[A-Za-z][-_A-Za-z0-9]*$, the reference's rule for secret names.
bool is_valid_secret_name(std::string_view name) {
  const auto is_alpha = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); };
  if (name.empty() || !is_alpha(name.front())) {
    return false;
  }
  return std::all_of(name.begin(), name.end(),
                     [&](char c) { return is_alpha(c) || (c >= '0' && c <= '9') || c == '-' || c == '_'; });
}

void check_secret_name(std::string_view name) {
  if (!is_valid_secret_name(name)) {
    throw StoreError("invalid secret name " + sys::quoted_name(name) +
                     ": it must start with a letter and hold only ASCII letters, digits, '-' and '_'");
  }
}

// Domain and custodian names are written into the YAML as keys. NEL, LS and
// PS are written raw (as the reference's emitter does) but read back as line
// breaks folded to a space: the name would change on the next load, and a
// custodian's key is derived from its name, so it would be locked out for
// good. Other control characters are escaped and read back the same.
void check_name_text(std::string_view kind, std::string_view name) {
  for (const std::string_view line_break : {"\xC2\x85", "\xE2\x80\xA8", "\xE2\x80\xA9"}) {
    if (name.find(line_break) != std::string_view::npos) {
      throw StoreError(std::string(kind) + " name " + sys::quoted_name(name) +
                       " holds a Unicode line break (NEL, LS or PS), which would not read back the same");
    }
  }
}

std::string decode_public_key(std::string_view b64, std::string_view domain) {
  std::string key = crypto::decode_field(b64, public_key_what(domain));
  if (key.size() != crypto::k_key_size) {
    throw StoreError("wrong length (" + std::to_string(key.size()) + " bytes, expected 32) of " +
                     public_key_what(domain));
  }
  return key;
}

std::string decode_owner_entry(std::string_view b64, std::string_view domain, std::string_view owner) {
  std::string entry = crypto::decode_field(b64, owner_what(domain, owner));
  if (entry.size() != k_owner_entry_size) {
    throw StoreError((entry.size() < k_owner_entry_size ? "truncated " : "over-long ") +
                     owner_what(domain, owner));
  }
  return entry;
}

std::string decode_secret(std::string_view b64, std::string_view domain, std::string_view secret) {
  std::string ciphertext = crypto::decode_field(b64, secret_what(domain, secret));
  if (ciphertext.size() < crypto::k_seal_overhead) {
    throw StoreError("truncated ciphertext in " + secret_what(domain, secret));
  }
  return ciphertext;
}

// Every binary field must decode now, so a bad file fails at load with a
// message naming the field rather than halfway through a command.
void validate_fields(const FileData& data) {
  for (const auto& [name, pwdkm] : data.custodians) {
    (void)crypto::decode_pwdkm(pwdkm, name);
  }
  for (const auto& [domain_name, domain] : data.domains) {
    (void)decode_public_key(domain.public_key, domain_name);
    for (const auto& [owner, entry] : domain.owners) {
      (void)decode_owner_entry(entry, domain_name, owner);
    }
    for (const auto& [secret, value] : domain.secrets) {
      if (!is_valid_secret_name(secret)) {
        throw StoreError("invalid secret name " + sys::quoted_name(secret) + " in domain " +
                         sys::quoted_name(domain_name));
      }
      (void)decode_secret(value, domain_name, secret);
    }
  }
}

// Makes a sealed owner entry holding the domain's secret key.
std::string owner_entry_for(const sys::SecureBuffer& domain_secret_key,
                            std::string_view custodian_public_key) {
  return crypto::encode_field(crypto::seal(domain_secret_key.view(), custodian_public_key));
}

std::string audit_entry(const AuditClock& clock, std::string_view text) {
  const std::time_t seconds = static_cast<std::time_t>(clock ? clock() : system_clock_seconds());
  std::tm utc{};
  if (gmtime_r(&seconds, &utc) == nullptr) {
    throw StoreError("cannot format the audit timestamp");
  }
  char stamp[32];
  const std::size_t size = std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return std::string(stamp, size) + " -- " + std::string(text);
}

// The keys of a map as a message lists them: "a, b".
template <typename Map> std::string listed_names(const Map& known) {
  std::string names;
  for (const auto& entry : known) {
    if (!names.empty()) {
      names += ", ";
    }
    names += reference_name(entry.first);
  }
  return names;
}

// The reference's wording for a missing key ("no domain of name X (known
// domains are a, b)"), which scripts match on.
template <typename Map> std::string no_such(std::string_view what, std::string_view name, const Map& known) {
  return "no " + std::string(what) + " of name " + reference_name(name) + " (known " + std::string(what) +
         "s are " + listed_names(known) + ")";
}

const DomainData& find_domain(const FileData& data, std::string_view name) {
  const auto found = data.domains.find(std::string(name));
  if (found == data.domains.end()) {
    throw StoreError(no_such("domain", name, data.domains));
  }
  return found->second;
}

crypto::Pwdkm custodian_record(const FileData& data, std::string_view custodian) {
  const auto found = data.custodians.find(std::string(custodian));
  if (found == data.custodians.end()) {
    throw StoreError(no_such("key custodian", custodian, data.custodians));
  }
  return crypto::decode_pwdkm(found->second, custodian);
}

void check_unlocked(const FileData& data, const UnlockedCustodian& who) {
  const auto found = data.custodians.find(who.name);
  if (found == data.custodians.end()) {
    throw CredentialError("no key custodian named " + sys::quoted_name(who.name));
  }
  // An UnlockedCustodian from another load of the file (or before a rekey)
  // no longer matches; refuse rather than seal to a stale key.
  const crypto::Pwdkm record = crypto::decode_pwdkm(found->second, who.name);
  if (who.secret_key.size() != crypto::k_key_size ||
      !crypto::equal_bytes(who.public_key, record.public_key)) {
    throw CredentialError("the credentials of key custodian " + sys::quoted_name(who.name) +
                          " no longer match the file");
  }
}

// Whether domain_secret_key insists that the domain's stored public key is
// the one of the private key its owner entry holds.
enum class PublicKeyCheck { required, skipped };

sys::SecureBuffer domain_secret_key(const FileData& file, std::string_view domain_name,
                                    const UnlockedCustodian& who,
                                    PublicKeyCheck check = PublicKeyCheck::required) {
  const DomainData& data = find_domain(file, domain_name);
  const auto found = data.owners.find(who.name);
  if (found == data.owners.end()) {
    throw StoreError(reference_name(who.name) + " is not an owner of " + reference_name(domain_name));
  }
  const std::string entry = decode_owner_entry(found->second, domain_name, who.name);
  sys::SecureBuffer secret_key =
      crypto::seal_open(entry, who.public_key, who.secret_key, owner_what(domain_name, who.name));
  if (secret_key.size() != crypto::k_key_size) {
    throw StoreError("wrong key size in " + owner_what(domain_name, who.name));
  }
  // WARNING: anyone can edit meta.public-key, and add-secret seals to it
  // without credentials: a replaced key sends every new secret to whoever
  // holds its private half, or to nobody. Whoever holds the real private
  // key is the first to be able to notice, so every such command checks.
  if (check == PublicKeyCheck::required &&
      !crypto::equal_bytes(crypto::public_key_of(secret_key),
                           decode_public_key(data.public_key, domain_name))) {
    throw StoreError("the public-key of domain " + sys::quoted_name(domain_name) +
                     " is not the one of its private key (the file was altered): secrets added since are "
                     "sealed to another key; an owner can repair it with rotate-domain-keys");
  }
  return secret_key;
}

// Opens every secret of the domain with its private key and the public key
// that goes with it (derived from it, or the stored one once checked
// against it: deriving costs a scalar multiplication), on a few threads for
// big domains. Throws StoreError naming the first secret that does not
// open.
SecretValues open_secrets(const FileData& file, std::string_view domain_name,
                          const sys::SecureBuffer& domain_key, const std::string& public_key);

// Gives a custodian a new passphrase and kind, re-sealing the key of every
// domain it owns to its new public key. who was checked by the caller.
void replace_custodian_key(FileData& data, const AuditClock& clock, const UnlockedCustodian& who,
                           std::string_view new_passphrase, KeyType type, std::string_view action) {
  const crypto::Pwdkm record = crypto::new_pwdkm(type, who.name, new_passphrase);
  // New entries go in a side map so that a failure halfway changes nothing.
  std::map<std::string, std::string> new_entries;
  std::vector<std::string> owned;
  for (const auto& [domain_name, domain] : data.domains) {
    if (domain.owners.count(who.name) == 0) {
      continue;
    }
    owned.push_back(domain_name);
    const sys::SecureBuffer domain_key = domain_secret_key(data, domain_name, who);
    new_entries.emplace(domain_name, owner_entry_for(domain_key, record.public_key));
  }
  const std::string pwdkm = crypto::encode_pwdkm(record);
  std::string entry = audit_entry(clock, std::string(action) + " for " + who.name + " (updated domains -> " +
                                             sys::join(owned, ", ") + ")");
  for (auto& [domain_name, owner_entry] : new_entries) {
    data.domains.at(domain_name).owners[who.name] = std::move(owner_entry);
  }
  data.custodians[who.name] = pwdkm;
  data.audit_log.push_back(std::move(entry));
}

// Seals value to the domain's public key under name, with audit_text.
void store_secret(FileData& file, const AuditClock& clock, std::string_view domain_name,
                  std::string_view name, std::string_view value, std::string_view audit_text) {
  const DomainData& data = find_domain(file, domain_name);
  check_secret_name(name);
  const std::string public_key = decode_public_key(data.public_key, domain_name);
  // WARNING: value is plaintext; only its ciphertext leaves this function.
  std::string ciphertext = crypto::encode_field(crypto::seal(value, public_key));
  std::string entry = audit_entry(clock, std::string(audit_text));
  file.domains.at(std::string(domain_name)).secrets[std::string(name)] = std::move(ciphertext);
  file.audit_log.push_back(std::move(entry));
}

} // namespace

sys::SecureBuffer generate_raw_passphrase() {
  constexpr std::size_t k_random_bytes = 32;
  sys::SecureBuffer random(k_random_bytes);
  randombytes_buf(random.data(), random.size());
  sys::SecureBuffer passphrase(2 + 2 * k_random_bytes);
  unsigned char* out = passphrase.data();
  *out++ = 'P';
  for (std::size_t i = 0; i < k_random_bytes; ++i) {
    *out++ = static_cast<unsigned char>(sys::hex_digit(random.data()[i] >> 4U));
    *out++ = static_cast<unsigned char>(sys::hex_digit(random.data()[i]));
  }
  *out = 'P';
  return passphrase;
}

// --- loading and emitting ---

KeyFile KeyFile::create(AuditClock clock) {
  KeyFile file;
  file.m_clock = clock ? std::move(clock) : AuditClock(system_clock_seconds);
  file.m_data.audit_log.push_back(audit_entry(file.m_clock, "created"));
  return file;
}

KeyFile KeyFile::parse(std::string_view text, std::string_view path, AuditClock clock) {
  KeyFile file;
  file.m_clock = clock ? std::move(clock) : AuditClock(system_clock_seconds);
  file.m_data = parse_protected_yaml(text, path, &file.m_layout);
  try {
    validate_fields(file.m_data);
  } catch (const StoreError& error) {
    throw StoreError(std::string(path) + ": " + error.what());
  }
  return file;
}

std::string KeyFile::emit() const {
  return emit_protected_yaml(m_data, m_layout);
}

// --- queries ---

std::vector<std::string> KeyFile::domain_names() const {
  std::vector<std::string> names;
  names.reserve(m_data.domains.size());
  for (const auto& entry : m_data.domains) {
    names.push_back(entry.first);
  }
  return names;
}

std::vector<std::string> KeyFile::custodian_names() const {
  std::vector<std::string> names;
  names.reserve(m_data.custodians.size());
  for (const auto& entry : m_data.custodians) {
    names.push_back(entry.first);
  }
  return names;
}

std::vector<std::string> KeyFile::secret_names(std::string_view domain_name) const {
  std::vector<std::string> names;
  for (const auto& entry : find_domain(m_data, domain_name).secrets) {
    names.push_back(entry.first);
  }
  return names;
}

std::vector<std::string> KeyFile::owner_names(std::string_view domain_name) const {
  std::vector<std::string> names;
  for (const auto& entry : find_domain(m_data, domain_name).owners) {
    names.push_back(entry.first);
  }
  return names;
}

std::vector<std::string> KeyFile::domains_owned_by(std::string_view custodian) const {
  std::vector<std::string> names;
  for (const auto& [name, data] : m_data.domains) {
    if (data.owners.count(std::string(custodian)) != 0) {
      names.push_back(name);
    }
  }
  return names;
}

bool KeyFile::has_domain(std::string_view name) const {
  return m_data.domains.count(std::string(name)) != 0;
}

bool KeyFile::has_custodian(std::string_view custodian) const {
  return m_data.custodians.count(std::string(custodian)) != 0;
}

KeyType KeyFile::key_type_of(std::string_view custodian) const {
  return custodian_record(m_data, custodian).kind;
}

// --- credentials ---

UnlockedCustodian KeyFile::unlock(std::string_view custodian, std::string_view passphrase,
                                  ExpensiveKdf expensive) const {
  const auto found = m_data.custodians.find(std::string(custodian));
  if (found == m_data.custodians.end()) {
    throw CredentialError("no key custodian named " + sys::quoted_name(custodian));
  }
  const crypto::Pwdkm record = crypto::decode_pwdkm(found->second, custodian);
  if (expensive == ExpensiveKdf::refuse && crypto::exceeds_reference_cost(record)) {
    // Checked before deriving: the derivation itself is the attack.
    throw StoreError("key custodian " + sys::quoted_name(custodian) +
                     " asks for an Argon2id cost beyond the strongest "
                     "pocket_protector writes (opslimit " +
                     std::to_string(record.opslimit) + ", memlimit " + std::to_string(record.memlimit) +
                     "; at most " + std::to_string(crypto::k_hard_opslimit) + " and " +
                     std::to_string(crypto::k_hard_memlimit) +
                     "): refusing; --allow-expensive-kdf accepts it");
  }
  sys::SecureBuffer secret_key = crypto::derive_secret_key(record, custodian, passphrase);
  std::string public_key = crypto::public_key_of(secret_key);
  if (!crypto::equal_bytes(public_key, record.public_key)) {
    throw CredentialError("wrong passphrase for key custodian " + sys::quoted_name(custodian));
  }
  return UnlockedCustodian{std::string(custodian), std::move(secret_key), std::move(public_key)};
}

UnlockedCustodian KeyFile::unlock_with_key(std::string_view custodian, sys::SecureBuffer secret_key) const {
  const auto found = m_data.custodians.find(std::string(custodian));
  if (found == m_data.custodians.end()) {
    throw CredentialError("no key custodian named " + sys::quoted_name(custodian));
  }
  const crypto::Pwdkm record = crypto::decode_pwdkm(found->second, custodian);
  // WARNING: the key came from outside the file (a keyring anyone with the
  // uid may write to): its public key is computed here, never taken on trust.
  if (secret_key.size() != crypto::k_key_size) {
    throw CredentialError("a key for key custodian " + sys::quoted_name(custodian) + " must be 32 bytes");
  }
  std::string public_key = crypto::public_key_of(secret_key);
  if (!crypto::equal_bytes(public_key, record.public_key)) {
    throw CredentialError("the key is not the one of key custodian " + sys::quoted_name(custodian));
  }
  return UnlockedCustodian{std::string(custodian), std::move(secret_key), std::move(public_key)};
}

// --- custodians ---

void KeyFile::add_key_custodian(std::string_view name, std::string_view passphrase, KeyType type) {
  if (name.empty()) {
    throw StoreError("a key custodian name cannot be empty");
  }
  check_name_text("key custodian", name);
  if (has_custodian(name)) {
    throw StoreError("tried to add key custodian that already exists: " + reference_name(name));
  }
  const std::string pwdkm = crypto::encode_pwdkm(crypto::new_pwdkm(type, name, passphrase));
  std::string entry =
      audit_entry(m_clock, (type == KeyType::raw ? "created raw-key custodian " : "created key custodian ") +
                               std::string(name));
  m_data.custodians.emplace(std::string(name), pwdkm);
  m_data.audit_log.push_back(std::move(entry));
}

void KeyFile::remove_key_custodian(std::string_view name) {
  if (!has_custodian(name)) {
    throw StoreError("no key custodian named " + sys::quoted_name(name));
  }
  const std::string key(name);
  const std::vector<std::string> owned = domains_owned_by(name);
  for (const auto& domain_name : owned) {
    if (m_data.domains.at(domain_name).owners.size() == 1) {
      throw StoreError("cannot delete last owner " + reference_name(key) + " from " +
                       reference_name(domain_name) + " (secrets would be irretrievable)");
    }
  }
  std::string entry =
      audit_entry(m_clock, "removed key custodian " + key + " (was owner of " + sys::join(owned, ", ") + ")");
  for (const auto& domain_name : owned) {
    m_data.domains.at(domain_name).owners.erase(key);
  }
  m_data.custodians.erase(key);
  m_data.audit_log.push_back(std::move(entry));
}

void KeyFile::set_key_custodian_passphrase(const UnlockedCustodian& who, std::string_view new_passphrase) {
  check_unlocked(m_data, who);
  // A chosen passphrase keeps the custodian's Argon2 kind; a raw custodian
  // becomes hard, since a chosen passphrase lacks a raw key's entropy (the
  // reference writes hard here unless told fast). rekey_custodian picks
  // any kind explicitly.
  const KeyType current = key_type_of(who.name);
  const KeyType type = current == KeyType::fast ? KeyType::fast : KeyType::hard;
  replace_custodian_key(m_data, m_clock, who, new_passphrase, type, "updated key custodian passphrase");
}

void KeyFile::rekey_custodian(const UnlockedCustodian& who, std::string_view new_passphrase, KeyType type) {
  // Unlocked from an earlier read: the file re-read under the lock may hold
  // another key for this custodian by now, or none.
  check_unlocked(m_data, who);
  replace_custodian_key(m_data, m_clock, who, new_passphrase, type, "rekeyed custodian");
}

// --- domains ---

void KeyFile::add_domain(std::string_view domain_name, std::string_view owner) {
  if (domain_name.empty()) {
    throw StoreError("a domain name cannot be empty");
  }
  check_name_text("domain", domain_name);
  if (domain_name == "key-custodians" || domain_name == "audit-log") {
    throw StoreError("domain name " + sys::quoted_name(domain_name) +
                     " is reserved for a section of the file");
  }
  if (domain_name.substr(0, 4) == "meta") {
    // The reference's schema refuses top-level keys starting with "meta".
    throw StoreError("domain name " + sys::quoted_name(domain_name) +
                     " cannot start with 'meta' (pocket_protector could not load the file)");
  }
  if (has_domain(domain_name)) {
    throw StoreError("tried to add domain that already exists: " + reference_name(domain_name));
  }
  const crypto::Pwdkm record = custodian_record(m_data, owner);
  crypto::BoxKeypair keypair = crypto::generate_box_keypair();
  DomainData data;
  data.public_key = crypto::encode_field(keypair.public_key);
  data.owners.emplace(std::string(owner), owner_entry_for(keypair.secret_key, record.public_key));
  std::string entry = audit_entry(m_clock, "created domain " + std::string(domain_name) + " with owner " +
                                               std::string(owner));
  m_data.domains.emplace(std::string(domain_name), std::move(data));
  m_data.audit_log.push_back(std::move(entry));
}

void KeyFile::remove_domain(std::string_view domain_name) {
  (void)find_domain(m_data, domain_name);
  std::string entry = audit_entry(m_clock, "deleted domain " + std::string(domain_name));
  m_data.domains.erase(std::string(domain_name));
  m_data.audit_log.push_back(std::move(entry));
}

void KeyFile::add_owner(std::string_view domain_name, std::string_view new_owner,
                        const UnlockedCustodian& acting) {
  check_unlocked(m_data, acting);
  (void)find_domain(m_data, domain_name);
  const crypto::Pwdkm record = custodian_record(m_data, new_owner);
  if (find_domain(m_data, domain_name).owners.count(acting.name) == 0) {
    throw StoreError(no_such("owner", acting.name, find_domain(m_data, domain_name).owners));
  }
  // Like the reference, adding an existing owner re-seals its entry.
  const sys::SecureBuffer domain_key = domain_secret_key(m_data, domain_name, acting);
  std::string owner_entry = owner_entry_for(domain_key, record.public_key);
  std::string entry = audit_entry(m_clock, acting.name + " added owner " + std::string(new_owner) + " to " +
                                               std::string(domain_name));
  m_data.domains.at(std::string(domain_name)).owners[std::string(new_owner)] = std::move(owner_entry);
  m_data.audit_log.push_back(std::move(entry));
}

void KeyFile::remove_owner(std::string_view domain_name, std::string_view owner) {
  const DomainData& data = find_domain(m_data, domain_name);
  if (data.owners.count(std::string(owner)) == 0) {
    throw StoreError(reference_name(owner) + " not an owner of " + reference_name(domain_name) +
                     " (owners are " + listed_names(data.owners) + ")");
  }
  if (data.owners.size() == 1) {
    throw StoreError("cannot delete last owner " + reference_name(owner) + " from " +
                     reference_name(domain_name) + " (secrets would be irretrievable)");
  }
  std::string entry =
      audit_entry(m_clock, "removed owner " + std::string(owner) + " from " + std::string(domain_name));
  m_data.domains.at(std::string(domain_name)).owners.erase(std::string(owner));
  m_data.audit_log.push_back(std::move(entry));
}

void KeyFile::rotate_domain_key(std::string_view domain_name, const UnlockedCustodian& owner) {
  check_unlocked(m_data, owner);
  const DomainData& current = find_domain(m_data, domain_name);
  // Rotation is also the repair of a replaced public key: it writes a new
  // keypair, so the stored public key is not required to match. Secrets
  // sealed to the replaced key cannot be opened; they are named, to be
  // removed (or re-added) first, rather than dropped here.
  const sys::SecureBuffer domain_key = domain_secret_key(m_data, domain_name, owner, PublicKeyCheck::skipped);
  if (!crypto::equal_bytes(crypto::public_key_of(domain_key),
                           decode_public_key(current.public_key, domain_name))) {
    std::vector<std::string> sealed_elsewhere;
    const std::string public_key = crypto::public_key_of(domain_key);
    for (const auto& [name, b64] : current.secrets) {
      const std::string ciphertext = decode_secret(b64, domain_name, name);
      sys::SecureBuffer plaintext(ciphertext.size() - crypto::k_seal_overhead);
      try {
        crypto::seal_open_into(ciphertext, public_key, domain_key, plaintext, secret_what(domain_name, name));
      } catch (const StoreError&) {
        sealed_elsewhere.push_back(reference_name(name));
      }
    }
    if (!sealed_elsewhere.empty()) {
      throw StoreError("cannot rotate domain " + sys::quoted_name(domain_name) +
                       ": its public-key was altered and " + sys::join(sealed_elsewhere, ", ") +
                       " were sealed to that key, which this domain cannot open; remove them with rm-secret "
                       "(and add them again after rotating)");
    }
  }
  const SecretValues values =
      open_secrets(m_data, domain_name, domain_key, crypto::public_key_of(domain_key));
  crypto::BoxKeypair keypair = crypto::generate_box_keypair();
  DomainData next;
  next.public_key = crypto::encode_field(keypair.public_key);
  for (const auto& [name, value] : values) {
    next.secrets.emplace(name, crypto::encode_field(crypto::seal(value.view(), keypair.public_key)));
  }
  for (const auto& owner_entry : current.owners) {
    const auto& owner_name = owner_entry.first;
    if (!has_custodian(owner_name)) {
      throw StoreError("owner " + sys::quoted_name(owner_name) + " of domain " +
                       sys::quoted_name(domain_name) + " is not a key custodian; remove it before rotating");
    }
    next.owners.emplace(owner_name,
                        owner_entry_for(keypair.secret_key, custodian_record(m_data, owner_name).public_key));
  }
  std::string entry = audit_entry(m_clock, "rotated key for domain " + std::string(domain_name));
  m_data.domains.at(std::string(domain_name)) = std::move(next);
  m_data.audit_log.push_back(std::move(entry));
}

// --- secrets ---

void KeyFile::add_secret(std::string_view domain_name, std::string_view name, std::string_view value) {
  if (find_domain(m_data, domain_name).secrets.count(std::string(name)) != 0) {
    throw StoreError("secret " + reference_name(name) + " already exists in " + reference_name(domain_name));
  }
  store_secret(m_data, m_clock, domain_name, name, value,
               "added secret " + std::string(name) + " in " + std::string(domain_name));
}

void KeyFile::update_secret(std::string_view domain_name, std::string_view name, std::string_view value) {
  const DomainData& data = find_domain(m_data, domain_name);
  if (data.secrets.count(std::string(name)) == 0) {
    throw StoreError(no_such("secret", name, data.secrets));
  }
  store_secret(m_data, m_clock, domain_name, name, value,
               "updated secret " + std::string(name) + " in " + std::string(domain_name));
}

void KeyFile::set_secret(std::string_view domain_name, std::string_view name, std::string_view value) {
  store_secret(m_data, m_clock, domain_name, name, value,
               "set secret " + std::string(name) + " in " + std::string(domain_name));
}

void KeyFile::remove_secret(std::string_view domain_name, std::string_view name) {
  if (find_domain(m_data, domain_name).secrets.count(std::string(name)) == 0) {
    throw StoreError("no secret named " + sys::quoted_name(name) + " in domain " +
                     sys::quoted_name(domain_name));
  }
  std::string entry =
      audit_entry(m_clock, "removed secret " + std::string(name) + " from " + std::string(domain_name));
  m_data.domains.at(std::string(domain_name)).secrets.erase(std::string(name));
  m_data.audit_log.push_back(std::move(entry));
}

void KeyFile::truncate_audit_log(std::size_t max_entries) {
  auto& log = m_data.audit_log;
  // The reference leaves a shorter log alone and marks even a zero-entry
  // truncation when the log is exactly max_entries long.
  if (log.size() < max_entries) {
    return;
  }
  const std::size_t dropped = log.size() - max_entries;
  std::vector<std::string> kept;
  kept.reserve(max_entries + 1);
  kept.push_back("truncated " + std::to_string(dropped) + " audit log entries");
  kept.insert(kept.end(), std::make_move_iterator(log.begin() + static_cast<std::ptrdiff_t>(dropped)),
              std::make_move_iterator(log.end()));
  log = std::move(kept);
}

SecretValues KeyFile::decrypt_domain(std::string_view domain_name, const UnlockedCustodian& owner) const {
  check_unlocked(m_data, owner);
  // domain_secret_key checked the stored public key against the private one.
  const sys::SecureBuffer domain_key = domain_secret_key(m_data, domain_name, owner);
  return open_secrets(m_data, domain_name, domain_key,
                      decode_public_key(find_domain(m_data, domain_name).public_key, domain_name));
}

namespace {

SecretValues open_secrets(const FileData& file, std::string_view domain_name,
                          const sys::SecureBuffer& domain_key, const std::string& public_key) {
  const DomainData& data = find_domain(file, domain_name);
  struct Job {
    const std::string* name;
    std::string ciphertext;
    sys::SecureBuffer plaintext;
  };
  std::vector<Job> jobs;
  jobs.reserve(data.secrets.size());
  std::vector<std::size_t> sizes;
  sizes.reserve(data.secrets.size());
  for (const auto& [name, b64] : data.secrets) {
    std::string ciphertext = decode_secret(b64, domain_name, name);
    sizes.push_back(ciphertext.size() - crypto::k_seal_overhead);
    jobs.push_back(Job{&name, std::move(ciphertext), sys::SecureBuffer()});
  }
  // One secure allocation for all plaintexts, made here on this thread
  // alone: each sodium_malloc maps pages and changes their protection, which
  // cost a third of a 2,000-secret decrypt when done per secret, and in a
  // multi-threaded process means a TLB shootdown on every core.
  std::vector<sys::SecureBuffer> plaintexts = sys::SecureBuffer::slices(sizes);
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    jobs[i].plaintext = std::move(plaintexts[i]);
  }
  // Each secret costs an X25519 multiplication: a big domain is opened on a
  // few threads.
  std::atomic<std::size_t> next{0};
  const auto open_some = [&] {
    for (std::size_t i = next++; i < jobs.size(); i = next++) {
      crypto::seal_open_into(jobs[i].ciphertext, public_key, domain_key, jobs[i].plaintext,
                             secret_what(domain_name, *jobs[i].name));
    }
  };
  // hardware_concurrency() may say 0 (unknown): then one thread. Asked only
  // for a domain big enough to share out: it reads a file in /sys.
  const std::size_t by_size = jobs.size() / k_secrets_per_thread;
  const std::size_t threads_wanted =
      by_size < 2 ? 1
                  : std::min<std::size_t>(
                        {std::max(1U, std::thread::hardware_concurrency()), k_max_threads, by_size});
  const std::size_t helpers = threads_wanted > 1 ? threads_wanted - 1 : 0;
  std::vector<std::exception_ptr> errors(helpers + 1);
  {
    std::vector<std::jthread> threads;
    for (std::size_t t = 0; t < helpers; ++t) {
      try {
        threads.emplace_back([&, t] {
          try {
            open_some();
          } catch (...) {
            errors[t + 1] = std::current_exception();
            next = jobs.size();
          }
        });
      } catch (const std::system_error&) {
        break; // no thread to be had: this one does the work
      }
    }
    try {
      open_some();
    } catch (...) {
      errors[0] = std::current_exception();
      next = jobs.size();
    }
  } // joins
  for (const auto& error : errors) {
    if (error) {
      std::rethrow_exception(error);
    }
  }
  SecretValues values;
  for (auto& job : jobs) {
    values.emplace_hint(values.end(), *job.name, std::move(job.plaintext));
  }
  return values;
}

} // namespace

} // namespace pprotect::store
