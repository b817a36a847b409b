#pragma once
// The bodies of pprotect's commands, in the order of the reference's help;
// command_table.cpp lists them with their names and flags. Each returns
// the exit status; failures are thrown (see pprotect_main.cpp).

namespace pprotect::admin {

struct Session;

// custodian_commands.cpp
int run_init(Session& session);
int run_add_key_custodian(Session& session);
int run_set_key_custodian_passphrase(Session& session);
int run_rekey_custodian(Session& session);
int run_list_user_secrets(Session& session);

// domain_commands.cpp
int run_add_domain(Session& session);
int run_rm_domain(Session& session);
int run_add_owner(Session& session);
int run_rm_owner(Session& session);
int run_rotate_domain_keys(Session& session);
int run_migrate_owner(Session& session);
int run_list_domains(Session& session);

// secret_commands.cpp
int run_add_secret(Session& session);
int run_update_secret(Session& session);
int run_rm_secret(Session& session);
int run_list_domain_secrets(Session& session);
int run_list_all_secrets(Session& session);
int run_list_audit_log(Session& session);
int run_decrypt_domain(Session& session);
int run_reformat(Session& session);
int run_version(Session& session);

// exec_command.cpp
int run_exec(Session& session);

// keyring_commands.cpp
int run_unlock(Session& session);
int run_lock(Session& session);

} // namespace pprotect::admin
