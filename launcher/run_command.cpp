#include "launcher/run_command.hpp"

#include "launcher/secret_masks.hpp"
#include "launcher/supervisor/diagnostics.hpp"
#include "launcher/supervisor/hardening.hpp"
#include "launcher/supervisor/secret_files.hpp"
#include "policy/usage_error.hpp"
#include "store/errors.hpp"
#include "store/protected_file.hpp"
#include "sys/exit_status.hpp"
#include "sys/printable.hpp"

#include <algorithm>
#include <cstring>
#include <memory>
#include <optional>
#include <sodium.h>
#include <string>
#include <utility>

extern char** environ;

namespace pprotect::launcher {

namespace {

bool is_named(const char* entry, std::string_view name) {
  return std::strncmp(entry, name.data(), name.size()) == 0 && entry[name.size()] == '=';
}

// The credential variables of a prefix: never the child's, never kept. The
// helper's command goes too: a CI secret may hold it, a token in it.
std::vector<std::string> credential_variables(const std::string& prefix) {
  return {prefix + "_PASSPHRASE", prefix + "_USER", prefix + "_PASSPHRASE_COMMAND"};
}

// Removes the credential variables of a prefix from our own environment.
// WARNING: unsetenv alone leaves the bytes in the block the kernel shows as
// /proc/<pid>/environ (the original one, on our stack); the value is
// overwritten in place first so that the passphrase is gone from there too.
void scrub_own_environment(const std::string& prefix) {
  for (const std::string& name : credential_variables(prefix)) {
    std::vector<char*> originals;
    for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
      if (is_named(*entry, name)) {
        originals.push_back(*entry);
      }
    }
    unsetenv(name.c_str());
    // Name included: /proc/<pid>/environ should not even tell which
    // variables there were.
    for (char* original : originals) {
      sodium_memzero(original, std::strlen(original));
    }
  }
}

struct DecryptedDomain {
  std::string name;
  store::SecretValues values;
};

// Every domain of the request, decrypted with one custodian's key. Throws
// store::StoreError naming a domain that is missing or not the custodian's.
std::vector<DecryptedDomain> decrypt_domains(const store::KeyFile& key_file, const RunRequest& request,
                                             const store::UnlockedCustodian& custodian) {
  std::vector<DecryptedDomain> domains;
  domains.reserve(request.domains.size());
  for (const std::string& domain : request.domains) {
    domains.push_back(DecryptedDomain{domain, key_file.decrypt_domain(domain, custodian)});
  }
  return domains;
}

void check_domains_exist(const store::KeyFile& key_file, const RunRequest& request) {
  for (std::size_t i = 0; i < request.domains.size(); ++i) {
    const std::string& domain = request.domains[i];
    if (!key_file.has_domain(domain)) {
      throw store::StoreError("no domain named " + sys::quoted_name(domain) + " in " + request.file.string());
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (request.domains[j] == domain) {
        throw policy::UsageError("--domain " + sys::quoted_name(domain) + " is given twice");
      }
    }
  }
}

// --no-mask names secrets: one that no domain has is a typo, which would
// otherwise mask a secret the user meant to show (or the reverse).
void check_unmasked_names(const store::KeyFile& key_file, const RunRequest& request) {
  std::vector<std::string> known;
  for (const std::string& domain : request.domains) {
    for (std::string& name : key_file.secret_names(domain)) {
      known.push_back(std::move(name));
    }
  }
  for (const std::string& name : request.mask->unmasked_names) {
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      throw policy::UsageError("--no-mask " + sys::quoted_name(name) + ": no such secret in " +
                               (request.domains.size() == 1
                                    ? "domain " + sys::quoted_name(request.domains.front())
                                    : std::string("the domains given")));
    }
  }
}

// What --mask masks: every secret of every domain, injected or not (--only
// leaves some out of the environment, not out of reach).
std::vector<masking::NamedSecret> named_secrets(const std::vector<DecryptedDomain>& domains) {
  std::vector<masking::NamedSecret> secrets;
  for (const auto& domain : domains) {
    for (const auto& [name, value] : domain.values) {
      secrets.push_back(masking::NamedSecret{name, value.view()});
    }
  }
  return secrets;
}

// Builds the masker of domains; says which secrets are too short to mask.
void update_masks(SecretMasks& masks, const std::vector<DecryptedDomain>& domains,
                  const masking::MaskOptions& options, supervisor::Quiet quiet) {
  const std::vector<std::string> too_short = masks.update(named_secrets(domains));
  if (!too_short.empty()) {
    supervisor::print_notice(quiet, "--mask leaves out " + sys::join(too_short, ", ") + ": shorter than " +
                                        std::to_string(std::max<std::size_t>(options.min_length, 1)) +
                                        " bytes (--mask-min-length)");
  }
}

bool same_bytes(std::string_view x, std::string_view y) {
  return x.size() == y.size() && (x.empty() || sodium_memcmp(x.data(), y.data(), x.size()) == 0);
}

// Every secret of every domain alike: what --mask masks.
bool same_secrets(const std::vector<DecryptedDomain>& a, const std::vector<DecryptedDomain>& b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].name != b[i].name || a[i].values.size() != b[i].values.size()) {
      return false;
    }
    auto left = a[i].values.begin();
    auto right = b[i].values.begin();
    for (; left != a[i].values.end(); ++left, ++right) {
      if (left->first != right->first || !same_bytes(left->second.view(), right->second.view())) {
        return false;
      }
    }
  }
  return true;
}

// The longest file name Linux file systems take (NAME_MAX).
constexpr std::size_t k_max_file_name = 255;

// A file name a secret may have in --secret-dir: one path component that
// lists and prints plainly (its length is checked apart, to say so).
bool is_safe_file_name(std::string_view name) {
  if (name.empty() || name.front() == '.') {
    return false;
  }
  for (const char c : name) {
    if (c == '/' || sys::is_control_byte(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return true;
}

// What the child gets, made afresh for each start (or rewritten in place
// for --on-change signal:SIG), from secrets kept in locked memory only when
// a later start or a reload needs them.
class RunSource final : public supervisor::ChildSource {
public:
  RunSource(const RunRequest& request, policy::ChildEnvironmentOptions environment_options, bool keep)
      : m_request(request), m_options(std::move(environment_options)), m_keep(keep),
        m_rewrites(request.supervision.on_change_signal != 0 ? supervisor::Rewrites::in_place
                                                             : supervisor::Rewrites::never) {}

  // The inputs of the first start, checked now: a name that collides or
  // a --secret-file that names no secret fails before anything runs.
  void set(policy::Environment parent, std::vector<DecryptedDomain> domains,
           std::optional<store::UnlockedCustodian> custodian) {
    m_parent = std::move(parent);
    m_domains = std::move(domains);
    m_custodian = std::move(custodian);
    check(m_domains);
  }

  // --mask: the masks a reload updates.
  void set_masks(SecretMasks* masks) { m_masks = masks; }

  supervisor::ChildLaunch prepare() override {
    if (!m_domains_left) {
      throw store::StoreError("the secrets of a first start are gone: nothing to start again");
    }
    if (m_request.secret_dir && !m_directory) {
      m_directory = std::make_unique<supervisor::SecretDirectory>();
    }
    if (m_files.empty() || m_rewrites == supervisor::Rewrites::never) {
      make_files();
    }
    if (m_directory) {
      fill_directory();
    }
    compose();
    supervisor::ChildLaunch launch;
    m_envp = m_environment->envp();
    launch.envp = m_envp.data();
    for (const auto& file : m_files) {
      launch.kept_fds.push_back(file.fd());
    }
    std::sort(launch.kept_fds.begin(), launch.kept_fds.end());
    if (!m_keep) {
      // No later start: the plaintexts can go before the child starts (its
      // environment and files hold what it needs).
      m_domains.clear();
      m_domains_left = false;
      m_parent.wipe();
    }
    return launch;
  }

  void started() override {
    if (m_keep) {
      return;
    }
    // The child has exec'd with its own copy: wipe ours now. The memfds
    // live on in the child's descriptors alone.
    for (sys::SecureBuffer& entry : m_environment->entries()) {
      sodium_memzero(entry.data(), entry.size());
    }
    m_files.clear();
  }

  // Wipes every secret and removes the secret directory: the supervision
  // is over.
  void wipe() {
    if (m_environment) {
      for (sys::SecureBuffer& entry : m_environment->entries()) {
        sodium_memzero(entry.data(), entry.size());
      }
    }
    for (auto& domain : m_domains) {
      for (auto& [name, value] : domain.values) {
        sodium_memzero(value.data(), value.size());
      }
    }
    if (m_custodian) {
      sodium_memzero(m_custodian->secret_key.data(), m_custodian->secret_key.size());
    }
    m_parent.wipe();
    m_files.clear();
    m_directory.reset();
  }

  supervisor::Reload reload(bool in_place) override {
    std::vector<DecryptedDomain> domains;
    bool child_unchanged = false;
    try {
      const store::KeyFile key_file = store::load_key_file(m_request.file);
      check_domains_exist(key_file, m_request);
      // The key derived at start, checked against the custodian's record
      // as it is now: a changed passphrase or a removed custodian is a file
      // that no longer grants access.
      const store::UnlockedCustodian custodian = key_file.unlock_with_key(
          m_custodian->name, sys::SecureBuffer::copy_of(m_custodian->secret_key.view()));
      domains = decrypt_domains(key_file, m_request, custodian);
      if (same_secrets(domains, m_domains)) {
        m_problem.clear();
        return supervisor::Reload::unchanged;
      }
      check(domains);
      // A secret the child never gets (another domain's, one --only leaves
      // out) is no reason to restart or signal it.
      child_unchanged = same_for_child(domains, m_domains);
    } catch (const std::exception& error) {
      say_once(error.what());
      return supervisor::Reload::unchanged;
    }
    if (m_masks != nullptr) {
      // Before the child can have them: the new values are masked from
      // the first byte it writes (and the old ones still are). --mask
      // masks every secret of the domains, those the child does not get
      // too, so a change of one of those updates the masks all the same:
      // in place, the child keeps running (the relay takes the new masker
      // at its next input).
      try {
        update_masks(*m_masks, domains, *m_request.mask, quiet());
      } catch (const std::exception& error) {
        say_once(std::string("cannot mask the new secrets: ") + error.what());
        return supervisor::Reload::unchanged;
      }
    }
    m_problem.clear();
    // Kept even when the child's part is the same: a later start gets
    // the file as it is now.
    m_domains = std::move(domains);
    if (child_unchanged) {
      return supervisor::Reload::unchanged;
    }
    if (in_place) {
      try {
        rewrite_files();
        if (m_directory) {
          fill_directory();
        }
      } catch (const std::exception& error) {
        say_once(std::string("cannot rewrite the secret files: ") + error.what());
        return supervisor::Reload::unchanged;
      }
    }
    return supervisor::Reload::changed;
  }

private:
  struct FileTarget {
    const DecryptedDomain* domain;
    const std::string* name;
    const sys::SecureBuffer* value;
    std::string variable;
  };

  // The secret a --secret-file names: NAME in exactly one domain, or
  // DOMAIN/NAME.
  static std::pair<const DecryptedDomain*, store::SecretValues::const_iterator>
  find_secret(const std::vector<DecryptedDomain>& domains, const std::string& wanted) {
    const DecryptedDomain* found_in = nullptr;
    store::SecretValues::const_iterator found;
    for (const auto& domain : domains) {
      if (auto it = domain.values.find(wanted); it != domain.values.end()) {
        if (found_in != nullptr) {
          throw policy::UsageError("--secret-file " + sys::quoted_name(wanted) + ": a secret of domains " +
                                   sys::quoted_name(found_in->name) + " and " +
                                   sys::quoted_name(domain.name) + "; name one as DOMAIN/NAME");
        }
        found_in = &domain;
        found = it;
      }
    }
    if (found_in == nullptr) {
      for (const auto& domain : domains) {
        const std::string prefix = domain.name + "/";
        if (wanted.compare(0, prefix.size(), prefix) == 0) {
          if (auto it = domain.values.find(wanted.substr(prefix.size())); it != domain.values.end()) {
            return {&domain, it};
          }
        }
      }
      // NAME=VAR takes VAR only when it is a variable's name (a secret's
      // name may hold an '='): say so when that may be what was meant.
      const bool maybe_variable = wanted.find('=') != std::string::npos;
      throw store::StoreError("--secret-file " + sys::quoted_name(wanted) + ": no such secret in " +
                              (domains.size() == 1 ? "domain " + sys::quoted_name(domains.front().name)
                                                   : std::string("the domains given")) +
                              (maybe_variable ? " (after '=' a variable name: letters, digits and _, not "
                                                "first a digit)"
                                              : ""));
    }
    return {found_in, found};
  }

  std::vector<FileTarget> file_targets(const std::vector<DecryptedDomain>& domains) const {
    std::vector<FileTarget> targets;
    for (const SecretFileRequest& request : m_request.secret_files) {
      auto [domain, it] = find_secret(domains, request.secret);
      std::string variable =
          request.variable.value_or(policy::variable_name(domain->name, it->first, m_options) + "_FILE");
      targets.push_back(FileTarget{domain, &it->first, &it->second, std::move(variable)});
    }
    return targets;
  }

  // What --secret-dir names each file: the secret's own name.
  std::vector<std::pair<std::string, const sys::SecureBuffer*>>
  directory_files(const std::vector<DecryptedDomain>& domains) const {
    std::vector<std::pair<std::string, const sys::SecureBuffer*>> files;
    for (const auto& domain : domains) {
      for (const auto& [name, value] : domain.values) {
        if (!m_options.only.empty() &&
            std::find(m_options.only.begin(), m_options.only.end(), name) == m_options.only.end()) {
          continue;
        }
        if (name.size() > k_max_file_name) {
          throw store::StoreError("--secret-dir: secret " + sys::quoted_name(name) + " of domain " +
                                  sys::quoted_name(domain.name) + " is longer than a file name may be (" +
                                  std::to_string(k_max_file_name) + " bytes); leave it out with --only");
        }
        if (!is_safe_file_name(name)) {
          throw store::StoreError("--secret-dir: secret " + sys::quoted_name(name) + " of domain " +
                                  sys::quoted_name(domain.name) +
                                  " is no plain file name (a '/', a leading '.', a control character); "
                                  "leave it out with --only");
        }
        for (const auto& [other, unused] : files) {
          if (other == name) {
            throw store::StoreError("--secret-dir: secret " + sys::quoted_name(name) +
                                    " is in more than one domain; both would be the same file");
          }
        }
        files.emplace_back(name, &value);
      }
    }
    return files;
  }

  // Whether the child would get the same from a and b: the variables
  // that come from secrets (after --only, --prefix, --uppercase and
  // --domain-prefix; with --no-env none), the --secret-file targets and
  // contents, and the --secret-dir files. Both are checked already.
  bool same_for_child(const std::vector<DecryptedDomain>& a, const std::vector<DecryptedDomain>& b) const {
    // The same inherited variables on both sides, so the entries differ
    // only where a secret does.
    const policy::ChildEnvironment left = policy::compose_child_environment(m_parent, views(a), m_options);
    const policy::ChildEnvironment right = policy::compose_child_environment(m_parent, views(b), m_options);
    if (left.entries().size() != right.entries().size()) {
      return false;
    }
    for (std::size_t i = 0; i < left.entries().size(); ++i) {
      if (!same_bytes(left.entries()[i].view(), right.entries()[i].view())) {
        return false;
      }
    }
    const auto left_files = file_targets(a);
    const auto right_files = file_targets(b);
    for (std::size_t i = 0; i < left_files.size(); ++i) {
      if (left_files[i].variable != right_files[i].variable ||
          !same_bytes(left_files[i].value->view(), right_files[i].value->view())) {
        return false;
      }
    }
    if (m_request.secret_dir) {
      const auto left_directory = directory_files(a);
      const auto right_directory = directory_files(b);
      if (left_directory.size() != right_directory.size()) {
        return false;
      }
      for (std::size_t i = 0; i < left_directory.size(); ++i) {
        if (left_directory[i].first != right_directory[i].first ||
            !same_bytes(left_directory[i].second->view(), right_directory[i].second->view())) {
          return false;
        }
      }
    }
    return true;
  }

  // Everything a start would fail on, checked on secrets before they are
  // taken: names, collisions, files.
  void check(const std::vector<DecryptedDomain>& domains) const {
    const auto targets = file_targets(domains);
    if (m_request.secret_dir) {
      (void)directory_files(domains);
    }
    std::vector<policy::AddedVariable> added;
    for (const FileTarget& target : targets) {
      added.push_back({target.variable, "/dev/fd/0", "secret file of " + *target.name});
    }
    if (m_request.secret_dir) {
      added.push_back({"SECRETS_DIR", "/", "--secret-dir"});
    }
    (void)policy::compose_child_environment(m_parent, views(domains), m_options, added);
  }

  static std::vector<policy::DomainSecrets> views(const std::vector<DecryptedDomain>& domains) {
    std::vector<policy::DomainSecrets> views;
    views.reserve(domains.size());
    for (const auto& domain : domains) {
      views.push_back(policy::DomainSecrets{domain.name, domain.values});
    }
    return views;
  }

  void make_files() {
    m_files.clear();
    m_file_variables.clear();
    for (const FileTarget& target : file_targets(m_domains)) {
      m_files.emplace_back(*target.name, target.value->view(), m_rewrites);
      m_file_variables.push_back(target.variable);
    }
  }

  void rewrite_files() {
    const auto targets = file_targets(m_domains);
    for (std::size_t i = 0; i < targets.size() && i < m_files.size(); ++i) {
      m_files[i].rewrite(targets[i].value->view());
    }
  }

  void fill_directory() {
    std::vector<std::string> names;
    for (const auto& [name, value] : directory_files(m_domains)) {
      m_directory->put(name, value->view());
      names.push_back(name);
    }
    m_directory->keep_only(names);
  }

  void compose() {
    std::vector<policy::AddedVariable> added;
    for (std::size_t i = 0; i < m_files.size(); ++i) {
      added.push_back({m_file_variables[i], m_files[i].path(), "secret file"});
    }
    if (m_directory) {
      added.push_back({"SECRETS_DIR", m_directory->path().string(), "--secret-dir"});
    }
    if (m_environment) {
      for (sys::SecureBuffer& entry : m_environment->entries()) {
        sodium_memzero(entry.data(), entry.size());
      }
    }
    m_environment = policy::compose_child_environment(m_parent, views(m_domains), m_options, added);
  }

  supervisor::Quiet quiet() const {
    return m_request.supervision.quiet ? supervisor::Quiet::yes : supervisor::Quiet::no;
  }

  void say_once(const std::string& problem) {
    if (problem == m_problem) {
      return;
    }
    m_problem = problem;
    supervisor::print_warning(m_request.file.filename().string() +
                              " changed, but the child keeps its secrets: " + problem);
  }

  const RunRequest& m_request;
  policy::ChildEnvironmentOptions m_options;
  bool m_keep;
  supervisor::Rewrites m_rewrites;
  policy::Environment m_parent; // credential variables erased
  std::vector<DecryptedDomain> m_domains;
  bool m_domains_left = true;
  std::optional<store::UnlockedCustodian> m_custodian; // --watch only
  std::vector<supervisor::SecretFile> m_files;
  std::vector<std::string> m_file_variables;
  std::unique_ptr<supervisor::SecretDirectory> m_directory;
  std::optional<policy::ChildEnvironment> m_environment;
  std::vector<char*> m_envp;
  std::string m_problem;          // the last reload problem said
  SecretMasks* m_masks = nullptr; // --mask
};

// Kept reachable until the process exits (see run_with_secrets).
RunSource* g_left_to_exit = nullptr;

} // namespace

bool keeps_secrets(const RunRequest& request) {
  return request.supervision.restart.when != supervisor::RestartWhen::no ||
         request.supervision.watch.has_value();
}

int run_with_secrets(const RunRequest& request, const supervisor::StartupSignals& signals,
                     policy::Prompter& prompter) {
  if (request.mask && request.supervision.mode == supervisor::Mode::exec) {
    throw policy::UsageError("--mask needs the supervisor to read the child's output: not with --exec");
  }
  supervisor::harden_launcher();
  const bool keep = keeps_secrets(request);
  policy::ChildEnvironmentOptions environment_options = request.environment;
  std::unique_ptr<RunSource> source;
  // --mask: in locked memory while the supervisor runs, wiped when it ends.
  std::shared_ptr<SecretMasks> masks;
  const supervisor::Quiet quiet = request.supervision.quiet ? supervisor::Quiet::yes : supervisor::Quiet::no;
  {
    // Wiped when it goes, with the passphrase variable in it.
    policy::Environment parent = policy::Environment::current();
    const std::string env_prefix = policy::effective_env_prefix(request.credentials, parent);
    // The snapshot has what policy needs; our own copy can go now. The
    // default prefix's variables go too: they are credentials whatever the
    // prefix in force.
    scrub_own_environment(env_prefix);
    if (env_prefix != "PPROTECT") {
      scrub_own_environment("PPROTECT");
    }

    // File and domains first: a typo should not cost a prompt or a 1 s
    // key derivation.
    const store::KeyFile key_file = store::load_key_file(request.file);
    check_domains_exist(key_file, request);
    if (request.mask) {
      check_unmasked_names(key_file, request);
    }
    // On the main thread: a passphrase helper's parent-death signal follows
    // the thread that forks it. With --use-keyring, no passphrase at all.
    store::UnlockedCustodian custodian = policy::unlock(
        key_file, policy::resolve_custodian(request.credentials, parent, prompter, key_file, request.file,
                                            [](std::string_view line) { supervisor::print_warning(line); }));
    // (the passphrase is wiped here)
    std::vector<DecryptedDomain> domains = decrypt_domains(key_file, request, custodian);
    if (request.mask) {
      // A --watch reload keeps the values it replaces masked.
      masks = std::make_shared<SecretMasks>(
          *request.mask, request.supervision.watch ? SecretMasks::Remember::yes : SecretMasks::Remember::no);
      update_masks(*masks, domains, *request.mask, quiet);
    }
    for (const std::string& name : credential_variables(env_prefix)) {
      parent.erase(name);
    }
    for (const std::string& name : credential_variables("PPROTECT")) {
      parent.erase(name);
    }
    environment_options.env_prefix = env_prefix;
    source = std::make_unique<RunSource>(request, environment_options, keep);
    std::optional<store::UnlockedCustodian> kept_custodian;
    if (request.supervision.watch) {
      kept_custodian = std::move(custodian);
    }
    source->set(std::move(parent), std::move(domains), std::move(kept_custodian));
    source->set_masks(masks.get());
  } // the custodian key (unless --watch keeps it) and the file are wiped here
  // Argon2id's 256 MiB went back with munmap already; the rest of the
  // heap's free memory goes back once the child has run a moment
  // (supervisor's release_memory), not here: --exec and short children
  // never pay for it.

  int status = 0;
  if (request.supervision.mode == supervisor::Mode::exec) {
    supervisor::ChildLaunch launch;
    try {
      launch = source->prepare();
    } catch (const std::exception& error) {
      supervisor::print_launcher_error(error.what());
      return sys::exit_launcher_error;
    }
    status = supervisor::exec_command(request.command, launch, request.supervision, signals);
  } else {
    supervisor::SupervisorOptions supervision = request.supervision;
    if (masks) {
      supervision.output_filter = [masks]() -> std::unique_ptr<supervisor::OutputFilter> {
        return std::make_unique<MaskFilter>(masks);
      };
    }
    status = supervisor::supervise(request.command, *source, supervision, signals);
  }
  // The process exits right after this returns, and the kernel takes the
  // locked pages back in one go; freeing them one by one costs three system
  // calls each, once per variable, which showed in the start-up time of
  // short-lived children. So what is left is wiped (started() did, or
  // prepare() never handed it to a child) and left to exit; a secret
  // directory is removed now, as it must be.
  source->wipe();
  // A global keeps it reachable: leak checkers do not report it.
  g_left_to_exit = source.release();
  return status;
}

} // namespace pprotect::launcher
