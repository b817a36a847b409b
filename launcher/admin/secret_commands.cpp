// Secret management and access: values in, names and values out.
#include "launcher/admin/commands.hpp"
#include "launcher/admin/decrypt_output.hpp"
#include "launcher/admin/session.hpp"
#include "policy/usage_error.hpp"
#include "store/errors.hpp"
#include "store/reference_wording.hpp"
#include "sys/printable.hpp"

#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <string>

#ifndef PPROTECT_VERSION
#define PPROTECT_VERSION "0.0.0"
#endif

namespace pprotect::admin {

using sys::join;

namespace {

std::string domain_argument(Session& session) {
  if (!session.options.positionals.empty()) {
    return session.options.positionals.front();
  }
  if (session.options.domain) {
    return *session.options.domain;
  }
  throw policy::UsageError("expected a DOMAIN argument (or --domain)");
}

sys::SecureBuffer secret_value(Session& session) {
  if (session.options.value_file) {
    if (*session.options.value_file == "-") {
      return read_all_stdin();
    }
    return read_secret_file(*session.options.value_file, sys::InputKind::file_or_stream);
  }
  auto answer = session.prompter.ask_line_secure("Secret value: ");
  if (!answer) {
    throw InputEnded{};
  }
  return std::move(*answer);
}

int add_or_update_secret(Session& session, bool update) {
  require_file(session);
  require_writable(session);
  say(update ? "Updating secret value." : "Adding secret value.");
  const std::string domain = flag_or_ask(session, session.options.domain, "Domain name: ");
  const std::string name = flag_or_ask(session, session.options.secret, "Secret name: ");
  const sys::SecureBuffer value = secret_value(session);
  return modify(session, [&](store::KeyFile& f) {
    if (update) {
      f.update_secret(domain, name, value.view());
    } else {
      f.add_secret(domain, name, value.view());
    }
  });
}

} // namespace

int run_add_secret(Session& session) {
  return add_or_update_secret(session, false);
}

int run_update_secret(Session& session) {
  return add_or_update_secret(session, true);
}

int run_rm_secret(Session& session) {
  require_file(session);
  require_writable(session);
  say("Updating secret value.");
  const std::string domain = flag_or_ask(session, session.options.domain, "Domain name: ");
  const std::string name = flag_or_ask(session, session.options.secret, "Secret name: ");
  return modify(session, [&](store::KeyFile& f) { f.remove_secret(domain, name); });
}

int run_list_domain_secrets(Session& session) {
  const std::string domain = domain_argument(session);
  const store::KeyFile file = load(session);
  const auto names = file.secret_names(domain);
  if (names.empty()) {
    say_err("(No secrets in domain " + store::python_repr(domain) + " of protected at " +
            session.path.string() + ")");
    return 0;
  }
  say(join(listed(names), "\n"));
  return 0;
}

int run_list_all_secrets(Session& session) {
  const store::KeyFile file = load(session);
  std::map<std::string, std::set<std::string>> domains_of;
  for (const auto& domain : file.domain_names()) {
    for (const auto& name : file.secret_names(domain)) {
      domains_of[name].insert(domain);
    }
  }
  if (domains_of.empty()) {
    say_err("(No secrets in protected at " + session.path.string() + ")");
    return 0;
  }
  for (const auto& [name, domains] : domains_of) {
    say(listed(name) + ": " + join(listed(std::vector<std::string>(domains.begin(), domains.end())), ", "));
  }
  return 0;
}

// Writes the file again, in the layout asked for or its own; the content
// and the audit log are what they were.
int run_reformat(Session& session) {
  require_file(session);
  require_writable(session);
  return modify(session, [](store::KeyFile&) {});
}

int run_list_audit_log(Session& session) {
  const store::KeyFile file = load(session);
  say(join(listed(file.audit_log()), "\n"));
  return 0;
}

int run_decrypt_domain(Session& session) {
  const std::string domain = domain_argument(session);
  std::optional<OutputFormat> format;
  if (session.options.output_format) {
    try {
      format = parse_output_format(*session.options.output_format);
    } catch (const policy::UsageError& error) {
      throw policy::UsageError(error.what());
    }
  }
  const store::KeyFile file = load(session);
  const store::UnlockedCustodian who = acting_custodian(session, file);
  store::SecretValues secrets = file.decrypt_domain(domain, who);
  if (session.options.secret) {
    const auto found = secrets.find(*session.options.secret);
    if (found == secrets.end()) {
      throw store::StoreError("secret " + store::python_repr(*session.options.secret) +
                              " not found in domain " + store::python_repr(domain));
    }
    store::SecretValues only;
    only.emplace(found->first, std::move(found->second));
    secrets = std::move(only);
    if (!format) {
      // WARNING: the raw value goes out whole, NUL bytes included; it is
      // never cut at a NUL as a C string would be.
      const std::string_view value = secrets.begin()->second.view();
      std::cout.write(value.data(), static_cast<std::streamsize>(value.size()));
      std::cout << '\n';
      std::cout.flush();
      return 0;
    }
  }
  if (!format || *format == OutputFormat::json) {
    write_json(std::cout, secrets);
  } else {
    write_assignments(std::cout, secrets, *format);
  }
  std::cout.flush();
  return 0;
}

int run_version(Session& /*session*/) {
  say(std::string("pprotect version ") + PPROTECT_VERSION);
  return 0;
}

} // namespace pprotect::admin
