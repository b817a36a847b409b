#include "policy/credentials.hpp"
#include "tests/support.hpp"

#include <catch2/catch.hpp>
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
                      Catch::Contains("no passphrase (tried --passphrase-file, --passphrase-credential, "
                                      "env var: PPROTECT_PASSPHRASE)") &&
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
        "--passphrase-credential, env var: APP_PASSPHRASE); no terminal to prompt on");
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
