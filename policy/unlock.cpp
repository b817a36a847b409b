// Kept apart from credentials.cpp so that code resolving credentials links
// without the store's key derivation.
#include "policy/credentials.hpp"

#include <utility>

namespace pprotect::policy {

store::UnlockedCustodian unlock(const store::KeyFile& file, const Credentials& credentials) {
  try {
    return file.unlock(credentials.user, credentials.passphrase.view(), credentials.expensive_kdf);
  } catch (const store::CredentialError&) {
    // The store's message may say which check failed; the reference gives one
    // message for an unknown user and a wrong passphrase alike, naming only
    // where each came from.
    throw store::CredentialError(invalid_credentials_message(credentials));
  }
}

store::UnlockedCustodian unlock(const store::KeyFile& file, ResolvedCustodian resolved) {
  if (resolved.unlocked) {
    return std::move(*resolved.unlocked);
  }
  return unlock(file, *resolved.credentials);
}

} // namespace pprotect::policy
