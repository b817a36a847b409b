// Domain management: domains, their owners and keys.
#include "launcher/admin/commands.hpp"
#include "launcher/admin/session.hpp"
#include "store/errors.hpp"
#include "sys/printable.hpp"

#include <string>

namespace pprotect::admin {

using sys::join;

int run_add_domain(Session& session) {
  const store::KeyFile file = load(session);
  const store::UnlockedCustodian who = acting_custodian(session, file);
  require_writable(session);
  say("Adding new domain.");
  const std::string domain = flag_or_ask(session, session.options.domain, "Domain name: ");
  return modify(session, [&](store::KeyFile& f) { f.add_domain(domain, who.name); });
}

int run_rm_domain(Session& session) {
  require_file(session);
  require_writable(session);
  say("Removing domain.");
  const std::string domain = flag_or_ask(session, session.options.domain, "Domain name: ");
  return modify(session, [&](store::KeyFile& f) { f.remove_domain(domain); });
}

int run_add_owner(Session& session) {
  const store::KeyFile file = load(session);
  const store::UnlockedCustodian who = acting_custodian(session, file);
  require_writable(session);
  say("Adding domain owner.");
  const std::string domain = flag_or_ask(session, session.options.domain, "Domain name: ");
  const std::string owner = flag_or_ask(session, session.options.owner, "New owner email: ");
  return modify(session, [&](store::KeyFile& f) { f.add_owner(domain, owner, who); });
}

int run_rm_owner(Session& session) {
  require_file(session);
  require_writable(session);
  say("Removing domain owner.");
  const std::string domain = flag_or_ask(session, session.options.domain, "Domain name: ");
  const std::string owner = flag_or_ask(session, session.options.owner, "Owner email: ");
  return modify(session, [&](store::KeyFile& f) { f.remove_owner(domain, owner); });
}

int run_rotate_domain_keys(Session& session) {
  const store::KeyFile file = load(session);
  const store::UnlockedCustodian who = acting_custodian(session, file);
  require_writable(session);
  const std::string domain = flag_or_ask(session, session.options.domain, "Domain name: ");
  return modify(session, [&](store::KeyFile& f) { f.rotate_domain_key(domain, who); });
}

int run_migrate_owner(Session& session) {
  const store::KeyFile file = load(session);
  const store::UnlockedCustodian who = acting_custodian(session, file);
  require_writable(session);
  const std::string new_owner = flag_or_ask(session, session.options.owner, "New owner email: ");
  const auto owned = file.domains_owned_by(who.name);
  if (owned.empty()) {
    say("You do not own any domains.");
    return 0;
  }
  say("Will add " + listed(new_owner) + " as owner to: " + join(listed(owned), ", "));
  if (!session.options.yes) {
    const std::string answer = ask(session, "Proceed? [y/N] ");
    if (!answered_yes(answer)) {
      say("Aborting.");
      return 0;
    }
  }
  return modify(session, [&](store::KeyFile& f) {
    if (!f.has_custodian(new_owner)) {
      throw store::StoreError("no key custodian named " + new_owner);
    }
    const auto domains = f.domains_owned_by(who.name);
    if (domains.empty()) {
      throw store::StoreError(who.name + " does not own any domains");
    }
    for (const auto& domain : domains) {
      f.add_owner(domain, new_owner, who);
    }
  });
}

int run_list_domains(Session& session) {
  const store::KeyFile file = load(session);
  const auto names = file.domain_names();
  if (names.empty()) {
    say_err("(No domains in protected at " + session.path.string() + ")");
    return 0;
  }
  say(join(listed(names), "\n"));
  return 0;
}

} // namespace pprotect::admin
