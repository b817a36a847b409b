#include "policy/credentials.hpp"
#include "policy/keyring_cache.hpp"
#include "policy/passphrase_command.hpp"
#include "tests/keyring_refusal.hpp"
#include "tests/keyring_session.hpp"
#include "tests/support.hpp"

#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <unistd.h>
#include <vector>

using pprotect::policy::CredentialOptions;
using pprotect::policy::CredentialResolutionError;
using pprotect::policy::Credentials;
using pprotect::policy::Environment;
using pprotect::policy::Prompter;
using pprotect::policy::UsageError;
using pprotect::sys::SecureBuffer;

namespace {

constexpr const char* k_path = "/srv/protected.yaml";

// A scripted user: answers in order, remembers what was said and asked.
class FakePrompter : public Prompter {
public:
  bool is_available = true;
  std::deque<std::optional<std::string>> lines;
  std::deque<std::optional<std::string>> secrets;
  std::vector<std::string> said;
  std::vector<std::string> asked;

  bool available() const override { return is_available; }
  void say(std::string_view message) override { said.emplace_back(message); }
  std::optional<std::string> ask_line(std::string_view label) override {
    asked.emplace_back(label);
    REQUIRE_FALSE(lines.empty());
    auto answer = lines.front();
    lines.pop_front();
    return answer;
  }
  std::optional<SecureBuffer> ask_secret(std::string_view label) override {
    asked.emplace_back(label);
    REQUIRE_FALSE(secrets.empty());
    auto answer = secrets.front();
    secrets.pop_front();
    if (!answer) {
      return std::nullopt;
    }
    return SecureBuffer::copy_of(*answer);
  }
};

// A scratch directory removed at the end of the test.
using pprotect::tests::TempDir;

Credentials resolve(const CredentialOptions& options, const Environment& env, FakePrompter& prompter) {
  return pprotect::policy::resolve_credentials(options, env, prompter, k_path);
}

} // namespace

TEST_CASE("Each credential source beats the ones after it") {
  TempDir dir;
  const auto file = dir.write("pass", "from-file\n");
  dir.write("cred", "from-credential\n");
  const Environment full_env({"PPROTECT_USER=env-user", "PPROTECT_PASSPHRASE=from-env",
                              "CREDENTIALS_DIRECTORY=" + dir.path().string()});
  FakePrompter prompter;
  prompter.lines = {"prompt-user"};
  prompter.secrets = {"from-prompt"};

  SECTION("-u beats the environment") {
    CredentialOptions options;
    options.user = "flag-user";
    const auto creds = resolve(options, full_env, prompter);
    CHECK(creds.user == "flag-user");
    CHECK(creds.user_source == "argument");
  }
  SECTION("--passphrase-file beats --passphrase-credential, the environment and the prompt") {
    CredentialOptions options;
    options.passphrase_file = file;
    options.passphrase_credential = "cred";
    const auto creds = resolve(options, full_env, prompter);
    CHECK(creds.passphrase.view() == "from-file");
    CHECK(creds.passphrase_source == "passphrase file: " + file.string());
    CHECK(prompter.asked.empty());
  }
  SECTION("--passphrase-credential beats the environment and the prompt") {
    CredentialOptions options;
    options.passphrase_credential = "cred";
    const auto creds = resolve(options, full_env, prompter);
    CHECK(creds.passphrase.view() == "from-credential");
    CHECK(creds.passphrase_source == "systemd credential: " + (dir.path() / "cred").string());
    CHECK(prompter.asked.empty());
  }
  SECTION("The environment beats the prompt") {
    const auto creds = resolve(CredentialOptions{}, full_env, prompter);
    CHECK(creds.user == "env-user");
    CHECK(creds.user_source == "env var: PPROTECT_USER");
    CHECK(creds.passphrase.view() == "from-env");
    CHECK(creds.passphrase_source == "env var: PPROTECT_PASSPHRASE");
    CHECK(prompter.asked.empty());
    CHECK(prompter.said.empty());
  }
  SECTION("The prompt comes last") {
    const auto creds = resolve(CredentialOptions{}, Environment{}, prompter);
    CHECK(creds.user == "prompt-user");
    CHECK(creds.user_source == "stdin");
    CHECK(creds.passphrase.view() == "from-prompt");
    CHECK(creds.passphrase_source == "stdin");
    CHECK(prompter.said == std::vector<std::string>{"Verify credentials for /srv/protected.yaml"});
    CHECK(prompter.asked == std::vector<std::string>{"User email: ", "Passphrase: "});
  }
}

TEST_CASE("A chosen passphrase source is final: a wrong one never falls back to the next") {
  TempDir dir;
  const auto file = dir.write("pass", "wrong-one");
  FakePrompter prompter;
  CredentialOptions options;
  options.passphrase_file = file;
  const auto creds =
      resolve(options, Environment({"PPROTECT_USER=u", "PPROTECT_PASSPHRASE=right-one"}), prompter);
  CHECK(creds.passphrase.view() == "wrong-one");
  CHECK(prompter.asked.empty());
}

TEST_CASE("An unreadable passphrase file is an error, not a reason to look elsewhere") {
  FakePrompter prompter;
  prompter.secrets = {"from-prompt"};
  CredentialOptions options;
  options.passphrase_file = "/nonexistent/pass";
  CHECK_THROWS_WITH(resolve(options, Environment({"PPROTECT_USER=u", "PPROTECT_PASSPHRASE=p"}), prompter),
                    "No such file or directory while reading passphrase from file at \"/nonexistent/pass\"");
  CHECK(prompter.asked.empty());
}

TEST_CASE("A passphrase file is stripped of surrounding whitespace only") {
  TempDir dir;
  const auto file = dir.write("pass", " \t\r\n  my pass\tphrase \n\r\n\v\f");
  FakePrompter prompter;
  CredentialOptions options;
  options.user = "u";
  options.passphrase_file = file;
  CHECK(resolve(options, Environment{}, prompter).passphrase.view() == "my pass\tphrase");
}

TEST_CASE("A passphrase file of 1 MiB is read whole, one byte more is refused") {
  TempDir dir;
  FakePrompter prompter;
  CredentialOptions options;
  options.user = "u";
  options.passphrase_file = dir.write("pass", std::string(1U << 20U, 'p'));
  CHECK(resolve(options, Environment{}, prompter).passphrase.size() == (1U << 20U));
  options.passphrase_file = dir.write("pass", std::string((1U << 20U) + 1, 'p'));
  CHECK_THROWS_WITH(resolve(options, Environment{}, prompter),
                    "File too large while reading passphrase from file at \"" +
                        options.passphrase_file->string() + "\"");
}

TEST_CASE("A relative passphrase file is named by its absolute path") {
  TempDir dir;
  dir.write("pass", "p");
  const auto previous = std::filesystem::current_path();
  std::filesystem::current_path(dir.path());
  FakePrompter prompter;
  CredentialOptions options;
  options.user = "u";
  options.passphrase_file = "./pass"; // named without "./", as Python's abspath names it
  const auto creds = resolve(options, Environment{}, prompter);
  std::filesystem::current_path(previous);
  CHECK(creds.passphrase_source == "passphrase file: " + (dir.path() / "pass").string());
}

TEST_CASE(
    "Option --passphrase-credential reads $CREDENTIALS_DIRECTORY/NAME and says clearly when it cannot") {
  TempDir dir;
  dir.write("pprotect-passphrase", "s3cret\n");
  FakePrompter prompter;
  CredentialOptions options;
  options.user = "u";
  options.passphrase_credential = "pprotect-passphrase";

  SECTION("present") {
    const auto creds =
        resolve(options, Environment({"CREDENTIALS_DIRECTORY=" + dir.path().string()}), prompter);
    CHECK(creds.passphrase.view() == "s3cret");
  }
  SECTION("no credentials directory") {
    CHECK_THROWS_AS(resolve(options, Environment({"PPROTECT_PASSPHRASE=p"}), prompter),
                    CredentialResolutionError);
    CHECK_THROWS_WITH(resolve(options, Environment{}, prompter),
                      Catch::Contains("$CREDENTIALS_DIRECTORY is not set") &&
                          Catch::Contains("LoadCredential=pprotect-passphrase"));
  }
  SECTION("no such credential") {
    options.passphrase_credential = "other";
    CHECK_THROWS_WITH(
        resolve(options, Environment({"CREDENTIALS_DIRECTORY=" + dir.path().string()}), prompter),
        Catch::Contains("No such file or directory") && Catch::Contains("other"));
  }
  SECTION("a name that leaves the directory") {
    options.passphrase_credential = "../pprotect-passphrase";
    CHECK_THROWS_AS(resolve(options, Environment({"CREDENTIALS_DIRECTORY=" + dir.path().string()}), prompter),
                    CredentialResolutionError);
  }
  CHECK(prompter.asked.empty());
}

TEST_CASE("User and passphrase are resolved independently") {
  FakePrompter prompter;
  prompter.secrets = {"typed"};
  const auto creds = resolve(CredentialOptions{}, Environment({"PPROTECT_USER=ci@example.com"}), prompter);
  CHECK(creds.user == "ci@example.com");
  CHECK(creds.user_source == "env var: PPROTECT_USER");
  CHECK(creds.passphrase.view() == "typed");
  CHECK(creds.passphrase_source == "stdin");
  CHECK(prompter.said == std::vector<std::string>{"Verify passphrase for /srv/protected.yaml (Using user "
                                                  "ci@example.com from env var: PPROTECT_USER)"});
  CHECK(prompter.asked == std::vector<std::string>{"Passphrase: "});
}

TEST_CASE("The prompter names its own source") {
  class TtyLike : public FakePrompter {
  public:
    std::string source_name() const override { return "/dev/tty"; }
  } prompter;
  prompter.lines = {"u"};
  prompter.secrets = {"p"};
  const auto creds = resolve(CredentialOptions{}, Environment{}, prompter);
  CHECK(creds.user_source == "/dev/tty");
  CHECK(creds.passphrase_source == "/dev/tty");
}

TEST_CASE("The environment prefix: --env-prefix, else PPROTECT_ENV_PREFIX, else PPROTECT") {
  const Environment env({"PPROTECT_ENV_PREFIX=FROMENV", "PPROTECT_USER=a", "PPROTECT_PASSPHRASE=pa",
                         "FROMENV_USER=b", "FROMENV_PASSPHRASE=pb", "OPT_USER=c", "OPT_PASSPHRASE=pc"});
  FakePrompter prompter;
  CredentialOptions options;
  CHECK(pprotect::policy::effective_env_prefix(options, Environment{}) == "PPROTECT");
  CHECK(pprotect::policy::effective_env_prefix(options, env) == "FROMENV");
  auto creds = resolve(options, env, prompter);
  CHECK(creds.user == "b");
  CHECK(creds.passphrase.view() == "pb");
  CHECK(creds.passphrase_source == "env var: FROMENV_PASSPHRASE");
  options.env_prefix = "OPT";
  CHECK(pprotect::policy::effective_env_prefix(options, env) == "OPT");
  creds = resolve(options, env, prompter);
  CHECK(creds.user == "c");
  CHECK(creds.passphrase.view() == "pc");
}

TEST_CASE("A variable set to the empty string is still the chosen source") {
  FakePrompter prompter;
  const auto creds =
      resolve(CredentialOptions{}, Environment({"PPROTECT_USER=", "PPROTECT_PASSPHRASE="}), prompter);
  CHECK(creds.user.empty());
  CHECK(creds.passphrase.empty());
  CHECK(prompter.asked.empty());
}

TEST_CASE("Option --ignore-env skips the credential variables") {
  FakePrompter prompter;
  prompter.lines = {"typed-user"};
  prompter.secrets = {"typed-pass"};
  CredentialOptions options;
  options.ignore_env = true;
  const auto creds = resolve(options, Environment({"PPROTECT_USER=a", "PPROTECT_PASSPHRASE=b"}), prompter);
  CHECK(creds.user == "typed-user");
  CHECK(creds.passphrase.view() == "typed-pass");
}

TEST_CASE("Option --non-interactive with --ignore-env is a usage error unless flags give both values") {
  TempDir dir;
  const auto file = dir.write("pass", "from-file\n");
  FakePrompter prompter;
  CredentialOptions options;
  options.non_interactive = true;
  options.ignore_env = true;
  options.user = "u";
  CHECK_THROWS_AS(resolve(options, Environment{}, prompter), UsageError);
  options.passphrase_file = file; // pprotect-run: user and passphrase both from flags
  CHECK(resolve(options, Environment{}, prompter).passphrase.view() == "from-file");
  options.missing_report = CredentialOptions::MissingReport::reference_message; // pprotect: as the reference
  CHECK_THROWS_AS(resolve(options, Environment{}, prompter), UsageError);
}

TEST_CASE("Without a prompt, a missing credential fails at once naming the sources tried") {
  FakePrompter prompter;
  CredentialOptions options;
  SECTION("--non-interactive (pprotect-run): the sources tried, no terminal needed to say so") {
    options.non_interactive = true;
    CHECK_THROWS_AS(resolve(options, Environment{}, prompter), CredentialResolutionError);
    CHECK_THROWS_WITH(resolve(options, Environment({"PPROTECT_USER=u"}), prompter),
                      Catch::Contains("no passphrase (tried --passphrase-file, --passphrase-command, "
                                      "--passphrase-credential, env var: PPROTECT_PASSPHRASE, env var: "
                                      "PPROTECT_PASSPHRASE_COMMAND)") &&
                          Catch::Contains("--non-interactive") && !Catch::Contains("no user"));
    CHECK(prompter.asked.empty());
  }
  SECTION("--non-interactive (pprotect): the reference's bad-credentials message, missing values as empty") {
    options.non_interactive = true;
    options.missing_report = CredentialOptions::MissingReport::reference_message;
    CHECK_THROWS_WITH(resolve(options, Environment{}, prompter),
                      "Invalid user email (from env var: PPROTECT_USER) or passphrase (from env var: "
                      "PPROTECT_PASSPHRASE). Check credentials and try again. (Warning: Empty user ID and "
                      "passphrase.)");
  }
  SECTION("--non-interactive (pprotect) with a user") {
    options.non_interactive = true;
    options.missing_report = CredentialOptions::MissingReport::reference_message;
    options.user = "u";
    CHECK_THROWS_AS(resolve(options, Environment{}, prompter), CredentialResolutionError);
    CHECK_THROWS_WITH(resolve(options, Environment{}, prompter),
                      "Invalid user email (from argument) or passphrase (from env var: PPROTECT_PASSPHRASE). "
                      "Check credentials and try again. (Warning: Empty passphrase.)");
  }
  SECTION("no terminal") {
    prompter.is_available = false;
    options.env_prefix = "APP";
    CHECK_THROWS_WITH(
        resolve(options, Environment({"APP_USER=u"}), prompter),
        "Cannot get credentials for /srv/protected.yaml: no passphrase (tried --passphrase-file, "
        "--passphrase-command, --passphrase-credential, env var: APP_PASSPHRASE, env var: "
        "APP_PASSPHRASE_COMMAND); no terminal to prompt on");
  }
  CHECK(prompter.asked.empty());
  CHECK(prompter.said.empty());
}

TEST_CASE("End of input at a prompt is an error") {
  FakePrompter prompter;
  prompter.secrets = {std::nullopt};
  CHECK_THROWS_AS(resolve(CredentialOptions{}, Environment({"PPROTECT_USER=u"}), prompter),
                  CredentialResolutionError);
}

TEST_CASE("The bad-credentials message is the reference's, with its empty-value warnings") {
  Credentials creds;
  creds.user = "u";
  creds.passphrase = SecureBuffer::copy_of("p");
  creds.user_source = "argument";
  creds.passphrase_source = "passphrase file: /run/p";
  CHECK(pprotect::policy::invalid_credentials_message(creds) ==
        "Invalid user email (from argument) or passphrase (from passphrase file: /run/p). Check credentials "
        "and try "
        "again.");
  creds.user = "";
  CHECK(pprotect::policy::invalid_credentials_message(creds) ==
        "Invalid user email (from argument) or passphrase (from passphrase file: /run/p). Check credentials "
        "and try "
        "again. (Warning: Empty user ID.)");
  creds.passphrase = SecureBuffer::copy_of("");
  CHECK(pprotect::policy::invalid_credentials_message(creds) ==
        "Invalid user email (from argument) or passphrase (from passphrase file: /run/p). Check credentials "
        "and try "
        "again. (Warning: Empty user ID and passphrase.)");
  creds.user = "u";
  CHECK(pprotect::policy::invalid_credentials_message(creds) ==
        "Invalid user email (from argument) or passphrase (from passphrase file: /run/p). Check credentials "
        "and try "
        "again. (Warning: Empty passphrase.)");
}

namespace {

pprotect::store::KeyFile raw_fixture() {
  std::ifstream in(std::string(PPROTECT_FIXTURES) + "/raw.yaml", std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  REQUIRE_FALSE(text.empty());
  return pprotect::store::KeyFile::parse(text, "raw.yaml");
}

using pprotect::tests::k_raw_passphrase;

} // namespace

TEST_CASE("unlock opens the custodian with resolved credentials") {
  const auto file = raw_fixture();
  TempDir dir;
  FakePrompter prompter;
  CredentialOptions options;
  options.passphrase_file = dir.write("pass", std::string(k_raw_passphrase) + "\n");
  const auto creds = resolve(options, Environment({"PPROTECT_USER=ci@example.com"}), prompter);
  const auto custodian = pprotect::policy::unlock(file, creds);
  CHECK(custodian.name == "ci@example.com");
}

TEST_CASE("A wrong passphrase fails with the reference's message naming both sources, no fallback") {
  const auto file = raw_fixture();
  TempDir dir;
  FakePrompter prompter;
  prompter.secrets = {k_raw_passphrase};
  CredentialOptions options;
  const auto pass = dir.write("pass", "Pwrong\n");
  options.passphrase_file = pass;
  // The right passphrase sits in the environment and at the prompt: neither is used.
  const Environment env(
      {"PPROTECT_USER=ci@example.com", std::string("PPROTECT_PASSPHRASE=") + k_raw_passphrase});
  const auto creds = resolve(options, env, prompter);
  CHECK_THROWS_AS(pprotect::policy::unlock(file, creds), pprotect::store::CredentialError);
  CHECK_THROWS_WITH(pprotect::policy::unlock(file, creds),
                    "Invalid user email (from env var: PPROTECT_USER) or passphrase (from passphrase file: " +
                        pass.string() + "). Check credentials and try again.");
  CHECK(prompter.asked.empty());
}

TEST_CASE("An unknown user gets the same message, with the empty-value warning") {
  const auto file = raw_fixture();
  FakePrompter prompter;
  const auto creds =
      resolve(CredentialOptions{}, Environment({"PPROTECT_USER=", "PPROTECT_PASSPHRASE="}), prompter);
  CHECK_THROWS_WITH(
      pprotect::policy::unlock(file, creds),
      "Invalid user email (from env var: PPROTECT_USER) or passphrase (from env var: "
      "PPROTECT_PASSPHRASE). Check credentials and try again. (Warning: Empty user ID and passphrase.)");
}

// --- the passphrase helper's place in the order ---

namespace {

// A helper that leaves a mark when it runs, then prints its passphrase.
std::string marking_helper(const TempDir& dir, const std::string& passphrase) {
  return "touch '" + dir.file("helper-ran").string() + "'; printf '%s\\n' '" + passphrase + "'";
}

} // namespace

TEST_CASE("Option --passphrase-command comes after --passphrase-file and before --passphrase-credential") {
  TempDir dir;
  const auto file = dir.write("pass", "from-file\n");
  dir.write("cred", "from-credential\n");
  const Environment env({"PPROTECT_USER=u", "PPROTECT_PASSPHRASE=from-env",
                         "PPROTECT_PASSPHRASE_COMMAND=printf from-env-command",
                         "CREDENTIALS_DIRECTORY=" + dir.path().string()});
  FakePrompter prompter;
  CredentialOptions options;
  options.passphrase_command = marking_helper(dir, "from-command");
  options.passphrase_credential = "cred";
  SECTION("the file wins, and the helper never runs") {
    options.passphrase_file = file;
    CHECK(resolve(options, env, prompter).passphrase.view() == "from-file");
    CHECK_FALSE(std::filesystem::exists(dir.file("helper-ran")));
  }
  SECTION("the helper beats the credential, the variables and the prompt") {
    const auto creds = resolve(options, env, prompter);
    CHECK(creds.passphrase.view() == "from-command");
    CHECK(creds.passphrase_source == "--passphrase-command");
    CHECK(std::filesystem::exists(dir.file("helper-ran")));
  }
  CHECK(prompter.asked.empty());
}

TEST_CASE("The <PREFIX>_PASSPHRASE_COMMAND helper comes after <PREFIX>_PASSPHRASE and before the prompt") {
  TempDir dir;
  FakePrompter prompter;
  prompter.secrets = {"from-prompt"};
  const std::string helper = "PPROTECT_PASSPHRASE_COMMAND=" + marking_helper(dir, "from-env-command");
  SECTION("the passphrase variable wins, and the helper never runs") {
    const auto creds = resolve(CredentialOptions{},
                               Environment({"PPROTECT_USER=u", "PPROTECT_PASSPHRASE=", helper}), prompter);
    CHECK(creds.passphrase.view().empty());
    CHECK(creds.passphrase_source == "env var: PPROTECT_PASSPHRASE");
    CHECK_FALSE(std::filesystem::exists(dir.file("helper-ran")));
    CHECK(prompter.asked.empty());
  }
  SECTION("the helper beats the prompt") {
    const auto creds = resolve(CredentialOptions{}, Environment({"PPROTECT_USER=u", helper}), prompter);
    CHECK(creds.passphrase.view() == "from-env-command");
    CHECK(creds.passphrase_source == "env var: PPROTECT_PASSPHRASE_COMMAND");
    CHECK(prompter.asked.empty());
  }
  SECTION("with another prefix, that prefix's variable") {
    CredentialOptions options;
    options.env_prefix = "APP";
    const auto creds = resolve(
        options, Environment({"APP_USER=u", helper, "APP_PASSPHRASE_COMMAND=printf from-app-command"}),
        prompter);
    CHECK(creds.passphrase.view() == "from-app-command");
    CHECK(creds.passphrase_source == "env var: APP_PASSPHRASE_COMMAND");
    CHECK_FALSE(std::filesystem::exists(dir.file("helper-ran")));
  }
  SECTION("an empty one is unset: the prompt follows") {
    const auto creds = resolve(CredentialOptions{},
                               Environment({"PPROTECT_USER=u", "PPROTECT_PASSPHRASE_COMMAND="}), prompter);
    CHECK(creds.passphrase.view() == "from-prompt");
    CHECK(prompter.asked == std::vector<std::string>{"Passphrase: "});
  }
  SECTION("--ignore-env skips it") {
    CredentialOptions options;
    options.ignore_env = true;
    options.user = "u";
    CHECK(resolve(options, Environment({helper}), prompter).passphrase.view() == "from-prompt");
    CHECK_FALSE(std::filesystem::exists(dir.file("helper-ran")));
  }
}

TEST_CASE("An empty --passphrase-command is a usage error") {
  FakePrompter prompter;
  CredentialOptions options;
  options.passphrase_command = "";
  CHECK_THROWS_AS(resolve(options, Environment({"PPROTECT_USER=u"}), prompter), UsageError);
}

TEST_CASE("The helper's timeout is --passphrase-command-timeout") {
  FakePrompter prompter;
  CredentialOptions options;
  options.passphrase_command = "sleep 10";
  options.passphrase_command_timeout = std::chrono::milliseconds(300);
  const auto start = std::chrono::steady_clock::now();
  try {
    (void)resolve(options, Environment({"PPROTECT_USER=u"}), prompter);
    FAIL("the helper's passphrase was used");
  } catch (const pprotect::policy::PassphraseCommandError& error) {
    CHECK(error.reason() == pprotect::policy::PassphraseCommandError::Reason::timed_out);
    CHECK(std::string(error.what()) ==
          "passphrase command did not finish in 0.3 s (from --passphrase-command)");
  }
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
}

TEST_CASE("A wrong passphrase from a helper is named by the helper's source, no fallback") {
  const auto file = raw_fixture();
  FakePrompter prompter;
  prompter.secrets = {k_raw_passphrase};
  const Environment env({"PPROTECT_USER=ci@example.com", "PPROTECT_PASSPHRASE_COMMAND=printf Pwrong"});
  const auto creds = resolve(CredentialOptions{}, env, prompter);
  CHECK_THROWS_WITH(pprotect::policy::unlock(file, creds),
                    "Invalid user email (from env var: PPROTECT_USER) or passphrase (from env var: "
                    "PPROTECT_PASSPHRASE_COMMAND). Check credentials and try again.");
  CHECK(prompter.asked.empty());
}

// --- the keyring ---

namespace {

using pprotect::policy::resolve_custodian;
using pprotect::policy::ResolvedCustodian;

struct Notices {
  std::vector<std::string> said;
  pprotect::policy::Notice sink() {
    return [this](std::string_view line) { said.emplace_back(line); };
  }
};

ResolvedCustodian resolve_with(const CredentialOptions& options, const Environment& env,
                               FakePrompter& prompter, const pprotect::store::KeyFile& file,
                               Notices& notices) {
  return resolve_custodian(options, env, prompter, file, k_path, notices.sink());
}

// A session keyring of the test's own, with no key cached in it yet (the
// cases may run one after the other in one process); false where the kernel
// refuses keyrings.
bool empty_private_keyring() {
  if (!join_private_session_keyring()) {
    return false;
  }
  (void)pprotect::policy::forget_cached_keys();
  return true;
}

// The raw fixture's two custodians, unlocked.
pprotect::store::UnlockedCustodian raw_custodian(const pprotect::store::KeyFile& file) {
  return file.unlock(pprotect::tests::k_raw_user, k_raw_passphrase);
}
pprotect::store::UnlockedCustodian fast_custodian(const pprotect::store::KeyFile& file) {
  return file.unlock(pprotect::tests::k_fast_user, pprotect::tests::k_fast_passphrase);
}

} // namespace

TEST_CASE("With the keyring in use, a cached key answers before every passphrase source") {
  if (!empty_private_keyring()) {
    return;
  }
  const auto file = raw_fixture();
  pprotect::policy::cache_custodian_key(raw_custodian(file), k_path, std::chrono::seconds(60));
  TempDir dir;
  FakePrompter prompter;
  Notices notices;
  CredentialOptions options;
  options.use_keyring = true;
  options.user = pprotect::tests::k_raw_user;
  options.passphrase_command = marking_helper(dir, "Pwrong");
  const auto found = resolve_with(options, Environment{}, prompter, file, notices);
  REQUIRE(found.unlocked);
  CHECK_FALSE(found.credentials);
  CHECK(found.unlocked->name == pprotect::tests::k_raw_user);
  CHECK_FALSE(std::filesystem::exists(dir.file("helper-ran")));
  // Nor is a passphrase file read: a missing one is no error.
  options.passphrase_command.reset();
  options.passphrase_file = dir.file("missing");
  CHECK(resolve_with(options, Environment{}, prompter, file, notices).unlocked);
  CHECK(prompter.asked.empty());
  CHECK(prompter.said.empty());
  CHECK(notices.said.empty());
  // The custodian it gives opens the domain.
  CHECK(file.decrypt_domain("ci", pprotect::policy::unlock(
                                      file, resolve_with(options, Environment{}, prompter, file, notices)))
            .size() == 1);
}

TEST_CASE("Without the keyring in use, a cached key is never looked at") {
  if (!empty_private_keyring()) {
    return;
  }
  const auto file = raw_fixture();
  pprotect::policy::cache_custodian_key(raw_custodian(file), k_path, std::chrono::seconds(60));
  FakePrompter prompter;
  Notices notices;
  const Environment env({"PPROTECT_USER=ci@example.com", "PPROTECT_PASSPHRASE=Pwrong"});
  for (const char* setting : {"", "0"}) {
    const Environment with_setting({"PPROTECT_USER=ci@example.com", "PPROTECT_PASSPHRASE=Pwrong",
                                    std::string("PPROTECT_USE_KEYRING=") + setting});
    const auto resolved = resolve_with(CredentialOptions{}, with_setting, prompter, file, notices);
    REQUIRE(resolved.credentials);
    CHECK_THROWS_AS(pprotect::policy::unlock(file, *resolved.credentials), pprotect::store::CredentialError);
  }
  CHECK(resolve_with(CredentialOptions{}, env, prompter, file, notices).credentials);
  // PPROTECT_USE_KEYRING=1 turns it on, as --use-keyring does.
  const Environment on(
      {"PPROTECT_USER=ci@example.com", "PPROTECT_PASSPHRASE=Pwrong", "PPROTECT_USE_KEYRING=1"});
  CHECK(resolve_with(CredentialOptions{}, on, prompter, file, notices).unlocked);
  const Environment bad({"PPROTECT_USER=ci@example.com", "PPROTECT_USE_KEYRING=yes"});
  CHECK_THROWS_AS(resolve_with(CredentialOptions{}, bad, prompter, file, notices), UsageError);
}

TEST_CASE(
    "With no user named, the one custodian cached for the file acts, and with several the user is asked "
    "alone") {
  if (!empty_private_keyring()) {
    return;
  }
  const auto file = raw_fixture();
  FakePrompter prompter;
  Notices notices;
  CredentialOptions options;
  options.use_keyring = true;
  pprotect::policy::cache_custodian_key(raw_custodian(file), k_path, std::chrono::seconds(60));
  // A key for another file does not count.
  pprotect::policy::cache_custodian_key(fast_custodian(file), "/srv/other.yaml", std::chrono::seconds(60));
  const auto only = resolve_with(options, Environment{}, prompter, file, notices);
  REQUIRE(only.unlocked);
  CHECK(only.unlocked->name == pprotect::tests::k_raw_user);
  CHECK(prompter.asked.empty());

  pprotect::policy::cache_custodian_key(fast_custodian(file), k_path, std::chrono::seconds(60));
  prompter.lines = {std::string(pprotect::tests::k_fast_user)};
  const auto asked = resolve_with(options, Environment{}, prompter, file, notices);
  REQUIRE(asked.unlocked);
  CHECK(asked.unlocked->name == pprotect::tests::k_fast_user);
  CHECK(prompter.said == std::vector<std::string>{"Verify credentials for /srv/protected.yaml"});
  CHECK(prompter.asked == std::vector<std::string>{"User email: "});

  // Nobody to ask: the usual message, the keyring among the sources tried.
  options.non_interactive = true;
  CHECK_THROWS_WITH(resolve_with(options, Environment{}, prompter, file, notices),
                    Catch::Contains("no user (tried -u/--user, env var: PPROTECT_USER)") &&
                        Catch::Contains("no passphrase (tried the session keyring, --passphrase-file"));
  CHECK(notices.said.empty());
}

TEST_CASE("A user asked for finds no key: the passphrase is asked next, and said once") {
  if (!empty_private_keyring()) {
    return;
  }
  const auto file = raw_fixture();
  FakePrompter prompter;
  prompter.lines = {std::string(pprotect::tests::k_raw_user)};
  prompter.secrets = {k_raw_passphrase};
  Notices notices;
  CredentialOptions options;
  options.use_keyring = true;
  const auto resolved = resolve_with(options, Environment{}, prompter, file, notices);
  REQUIRE(resolved.credentials);
  CHECK(resolved.credentials->user == pprotect::tests::k_raw_user);
  CHECK(prompter.said == std::vector<std::string>{"Verify credentials for /srv/protected.yaml"});
  CHECK(prompter.asked == std::vector<std::string>{"User email: ", "Passphrase: "});
}

TEST_CASE("A stale cached key is said once, never used, and the passphrase sources follow") {
  if (!empty_private_keyring()) {
    return;
  }
  const auto file = raw_fixture();
  const auto fast = fast_custodian(file);
  // The fast custodian's key pair under the raw custodian's name: what a key
  // stale after set-key-custodian-passphrase looks like to the file.
  pprotect::policy::cache_custodian_key(
      pprotect::store::UnlockedCustodian{pprotect::tests::k_raw_user,
                                         SecureBuffer::copy_of(fast.secret_key.view()), fast.public_key},
      k_path, std::chrono::seconds(60));
  FakePrompter prompter;
  Notices notices;
  CredentialOptions options;
  options.use_keyring = true;
  const Environment env(
      {"PPROTECT_USER=ci@example.com", std::string("PPROTECT_PASSPHRASE=") + k_raw_passphrase});
  const auto first = resolve_with(options, env, prompter, file, notices);
  REQUIRE(first.credentials);
  CHECK(notices.said.size() == 1);
  CHECK(resolve_with(options, env, prompter, file, notices).credentials);
  CHECK(notices.said.size() == 1);
  SECTION("a stale sole key names no user either") {
    pprotect::policy::cache_custodian_key(
        pprotect::store::UnlockedCustodian{pprotect::tests::k_raw_user,
                                           SecureBuffer::copy_of(fast.secret_key.view()), fast.public_key},
        k_path, std::chrono::seconds(60));
    prompter.lines = {std::string(pprotect::tests::k_raw_user)};
    prompter.secrets = {k_raw_passphrase};
    const auto asked = resolve_with(options, Environment{}, prompter, file, notices);
    REQUIRE(asked.credentials);
    CHECK(prompter.asked == std::vector<std::string>{"User email: ", "Passphrase: "});
    CHECK(notices.said.size() == 2);
  }
}

TEST_CASE("Where the kernel refuses keyrings, resolution with the keyring falls back in silence") {
  const auto file = raw_fixture();
  CHECK(pprotect::tests::in_child([&] {
          if (!refuse_keyrings(EPERM)) {
            return 3;
          }
          FakePrompter prompter;
          Notices notices;
          CredentialOptions options;
          options.use_keyring = true;
          const Environment env(
              {"PPROTECT_USER=ci@example.com", std::string("PPROTECT_PASSPHRASE=") + k_raw_passphrase});
          const auto resolved = resolve_custodian(options, env, prompter, file, k_path, notices.sink());
          if (!resolved.credentials || !notices.said.empty()) {
            return 4;
          }
          return pprotect::policy::unlock(file, *resolved.credentials).name == "ci@example.com" ? 0 : 5;
        }) == 0);
}
