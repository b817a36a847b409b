#pragma once
// Errors the store reports (store/errors.hpp includes this file; the YAML
// layer throws them first). Every message is one line, safe to print: it
// never holds a passphrase, a key or a secret value.

#include <stdexcept>
#include <string>

namespace pprotect::store {

// Any failure the user can act on: bad YAML, a missing domain, a failed write.
// The CLI prints it as `error: <what()>` and exits 1.
class StoreError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

// The protected file does not exist (exit 2 in the CLI).
class FileNotFoundError : public StoreError {
public:
  using StoreError::StoreError;
};

// The protected file exists where a new one was to be created (exit 2).
class FileExistsError : public StoreError {
public:
  using StoreError::StoreError;
};

// The user is not a custodian, or the passphrase does not derive its key.
class CredentialError : public StoreError {
public:
  using StoreError::StoreError;
};

} // namespace pprotect::store
