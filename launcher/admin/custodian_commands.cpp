// Access management: key custodians and what they own.
#include "launcher/admin/commands.hpp"
#include "launcher/admin/session.hpp"
#include "policy/usage_error.hpp"
#include "store/errors.hpp"
#include "sys/printable.hpp"

#include <filesystem>
#include <optional>
#include <string>

namespace pprotect::admin {

namespace fs = std::filesystem;
using sys::join;

namespace {

struct NewCustodian {
  std::string name;
  sys::SecureBuffer passphrase;
  store::KeyType type = store::KeyType::hard;
};

// The prompts of init and add-key-custodian; nullopt when a raw key was not
// confirmed.
std::optional<NewCustodian> ask_new_custodian(Session& session) {
  NewCustodian custodian;
  custodian.type = key_type_option(session.options, store::KeyType::hard);
  say("Adding new key custodian.");
  custodian.name = flag_or_ask(session, session.options.user, "User email: ");
  if (custodian.type == store::KeyType::raw) {
    custodian.passphrase = store::generate_raw_passphrase();
    if (!show_raw_key_and_confirm(session, custodian.passphrase)) {
      return std::nullopt;
    }
  } else {
    custodian.passphrase = new_passphrase(session, session.options.passphrase_file, "Passphrase: ");
  }
  return custodian;
}

} // namespace

int run_init(Session& session) {
  std::error_code ignored;
  if (fs::exists(session.path, ignored) || fs::is_symlink(session.path, ignored)) {
    throw store::FileExistsError("Protected file already exists: " + session.path.string());
  }
  (void)key_type_option(session.options, store::KeyType::hard);
  const auto layout = requested_layout(session);
  auto custodian = ask_new_custodian(session);
  if (!custodian) {
    return 0;
  }
  if (!store::create_key_file(
          session.path,
          [&](store::KeyFile& file) {
            file.add_key_custodian(custodian->name, custodian->passphrase.view(), custodian->type);
            if (layout) {
              file.set_layout(*layout);
            }
          },
          confirm_callback(session))) {
    say("Aborting...");
  }
  return 0;
}

int run_add_key_custodian(Session& session) {
  require_file(session);
  require_writable(session);
  (void)key_type_option(session.options, store::KeyType::hard);
  auto custodian = ask_new_custodian(session);
  if (!custodian) {
    return 0;
  }
  return modify(session, [&](store::KeyFile& file) {
    file.add_key_custodian(custodian->name, custodian->passphrase.view(), custodian->type);
  });
}

int run_set_key_custodian_passphrase(Session& session) {
  const store::KeyFile file = load(session);
  require_writable(session);
  const auto type = key_type_option(session.options, store::KeyType::hard);
  const store::UnlockedCustodian who = own_custodian(session, file);
  if (session.options.key_type && type != file.key_type_of(who.name)) {
    throw policy::UsageError(
        "set-key-custodian-passphrase keeps the key type; use rekey-custodian --key-type " +
        *session.options.key_type + " to change it");
  }
  if (type == store::KeyType::raw) {
    throw policy::UsageError("a raw key cannot be chosen; use rekey-custodian --key-type raw for a new one");
  }
  const sys::SecureBuffer passphrase =
      new_passphrase(session, session.options.new_passphrase_file, "New passphrase: ");
  return modify(session, [&](store::KeyFile& f) { f.set_key_custodian_passphrase(who, passphrase.view()); });
}

int run_rekey_custodian(Session& session) {
  const store::KeyFile file = load(session);
  require_writable(session);
  const auto type = key_type_option(session.options, store::KeyType::hard);
  const store::UnlockedCustodian who = own_custodian(session, file);
  sys::SecureBuffer passphrase;
  if (type == store::KeyType::raw) {
    passphrase = store::generate_raw_passphrase();
    if (!show_raw_key_and_confirm(session, passphrase)) {
      return 0;
    }
  } else {
    passphrase = new_passphrase(session, session.options.new_passphrase_file, "New passphrase: ");
  }
  return modify(session, [&](store::KeyFile& f) { f.rekey_custodian(who, passphrase.view(), type); });
}

int run_list_user_secrets(Session& session) {
  const store::KeyFile file = load(session);
  const store::UnlockedCustodian who = acting_custodian(session, file);
  const auto owned = file.domains_owned_by(who.name);
  if (owned.empty()) {
    say_err("User " + who.name + " does not own any domains.");
    return 0;
  }
  for (const auto& domain : owned) {
    const auto secrets = file.secret_names(domain);
    say(listed(domain) + ": " +
        (secrets.empty() ? std::string("(no secrets)") : join(listed(secrets), ", ")));
  }
  return 0;
}

} // namespace pprotect::admin
