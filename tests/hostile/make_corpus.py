#!/usr/bin/python3
"""Writes the hostile-file corpus: protected files damaged or crafted the ways
an attacker who can commit to protected.yaml (or a broken tool) would, each
with what every command must answer.

Run by hand (the files are committed; the tests only read them):

  /usr/bin/python3 tests/hostile/make_corpus.py

It needs PyNaCl (Debian's python3-nacl) for the cases that seal something on
purpose. Every case starts from tests/fixtures/raw.yaml (a raw custodian
ci@example.com owning domain ci, a fast custodian alice@example.com owning
dev and prod) and writes files/<NNN>-<name>.yaml plus one line of
expected.jsonl:

  {"file": ..., "user": ..., "domain": ..., "run_flags": [...],
   "expect": {"list": [code, fragment], "decrypt": [...], "write": [...],
              "run": [...]}}

The four commands are list-domains, decrypt-domain DOMAIN, the write
rotate-domain-keys --domain DOMAIN, and pprotect-run --domain DOMAIN. An
expectation is the exit code and a fragment its one-line stderr must hold
("" with code 0: success). The fragments are what the store promises to say,
written here by hand from the kind of damage, not taken from a run.
"""
import base64
import json
import os
import re
import struct
import sys

import nacl.public

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "..", "fixtures", "raw.yaml")
OUT = os.path.join(HERE, "files")
BASE = open(FIXTURE).read()
CI = "ci@example.com"
ALICE = "alice@example.com"

cases = []


def case(name, text, expect, user=CI, domain="ci", run_flags=(), binary=None):
    cases.append(dict(name=name, text=text, binary=binary, expect=expect, user=user, domain=domain,
                      run_flags=list(run_flags)))


def load_error(fragment):
    """Every command refuses the file at load: pprotect 1, pprotect-run 125."""
    return {"list": [1, fragment], "decrypt": [1, fragment], "write": [1, fragment], "run": [125, fragment]}


def key_error(fragment, list_ok=True):
    """The file loads; everything that opens the domain's key fails."""
    return {"list": [0, ""], "decrypt": [1, fragment], "write": [1, fragment], "run": [125, fragment]}


OK = {"list": [0, ""], "decrypt": [0, ""], "write": [0, ""], "run": [0, ""]}


def field(text, key):
    """The value after the first '<key>: ' line."""
    m = re.search(r"^( *)" + re.escape(key) + r": (\S+)$", text, re.M)
    return m.group(2)


def replace_field(text, key, value, count=1):
    return re.sub(r"^( *" + re.escape(key) + r": )\S+$", lambda m: m.group(1) + value, text, count=count, flags=re.M)


def b64(raw):
    return base64.b64encode(raw).decode()


def unb64(text):
    return base64.b64decode(text)


def ci_block(text, new_block):
    start = text.index("ci:\n")
    end = text.index("dev:\n")
    return text[:start] + new_block + text[end:]


CI_BLOCK = BASE[BASE.index("ci:\n"):BASE.index("dev:\n")]
CI_PUBLIC = field(CI_BLOCK, "public-key")
CI_OWNER = field(CI_BLOCK, CI)
CI_SECRET = field(CI_BLOCK, "secret-DEPLOY_TOKEN")
DEV_BLOCK = BASE[BASE.index("dev:\n"):BASE.index("prod:\n")]
DEV_PUBLIC = field(DEV_BLOCK, "public-key")
DEV_CI_OWNER = field(DEV_BLOCK, CI)
PROD_BLOCK = BASE[BASE.index("prod:\n"):BASE.index("key-custodians:\n")]
PROD_SECRET = field(PROD_BLOCK, "secret-greeting")
ALICE_PWDKM = field(BASE, "pwdkm")  # alice's comes first (sorted)
CI_PWDKM = re.findall(r"pwdkm: (\S+)", BASE)[1]


def with_ci(**changes):
    block = CI_BLOCK
    for key, value in changes.items():
        block = replace_field(block, key.replace("_", "-") if key != "owner" else CI, value)
    return ci_block(BASE, block)


# --- 1. Not YAML, or not text ---
case("empty", "", load_error("found an empty file"))
case("whitespace-only", "   \n\n\t\n", load_error(""))
case("comment-only", "# nothing here\n", load_error("found an empty file"))
case("nul-byte", BASE.replace("ci:\n", "ci:\0\n", 1), load_error("invalid text"))
case("invalid-utf8", None, load_error("invalid text"), binary=BASE.encode().replace(b"ci:\n", b"c\xff\xfei:\n", 1))
# YAML allows UTF-16 with a byte order mark; libyaml reads it (and we write UTF-8).
case("utf16", None, OK, binary=BASE.encode("utf-16"))
case("lone-surrogate-escape", BASE.replace("- 2026-11-28T17:32:44Z -- created\n", '- "\\ud800"\n', 1), load_error(""))
case("control-in-plain", BASE.replace("ci:\n", "c\x01i:\n", 1), load_error("invalid text"))
case("tab-indent", BASE.replace("  meta:\n    public-key", "  meta:\n\tpublic-key", 1), load_error("malformed YAML"))
case("unclosed-double-quote", BASE.replace("ci:\n", '"ci:\n', 1), load_error("malformed YAML"))
case("unclosed-single-quote", BASE.replace("ci:\n", "'ci:\n", 1), load_error("malformed YAML"))
case("unclosed-flow-mapping", "{key-custodians: {}, audit-log: [\n", load_error("malformed YAML"))
case("unclosed-flow-sequence", BASE.replace("audit-log:\n", "audit-log: [\n", 1), load_error("malformed YAML"))
case("deep-flow-nesting", "[" * 20000 + "]" * 20000 + "\n", load_error("expected a mapping for the top level"))
case("deep-block-nesting", "".join("  " * i + "k%d:\n" % i for i in range(300)) + "  " * 300 + "x: y\n",
     load_error(""))
case("bad-indentation", BASE.replace("    owners:\n      ci@example.com", "    owners:\n   ci@example.com", 1),
     load_error("expected a mapping for 'owners' of domain 'ci', found null"))
case("garbage-after-document", BASE + "...\n--- {\n", load_error(""))
case("two-documents", BASE + "---\n" + BASE, load_error("expected a single document"))
case("directive-yaml-1-1", "%YAML 1.1\n---\n" + BASE, OK)
case("unknown-directive", "%FOO bar\n---\n" + BASE, load_error("found unknown directive name"))
case("tag-directive-python", "%TAG !p! tag:yaml.org,2002:python/\n---\n" + BASE.replace("ci:\n", "!p!object ci:\n", 1),
     load_error("unsupported tag"))
case("crlf-line-ends", BASE.replace("\n", "\r\n"), OK)
case("bom-utf8", "\ufeff" + BASE, OK)

# --- 2. The wrong structure ---
case("top-level-sequence", "- a\n- b\n", load_error("expected a mapping for the top level, found a sequence"))
case("top-level-scalar", "hello\n", load_error("expected a mapping for the top level, found a string"))
case("top-level-int", "42\n", load_error("expected a mapping for the top level, found an int"))
case("top-level-null", "~\n", load_error("expected a mapping for the top level, found null"))
case("no-key-custodians", re.sub(r"key-custodians:\n(  .*\n)+", "", BASE), load_error("expected a 'key-custodians' key"))
case("no-audit-log", BASE[:BASE.index("audit-log:")], load_error("expected an 'audit-log' key"))
case("audit-log-mapping", BASE[:BASE.index("audit-log:")] + "audit-log:\n  a: b\n",
     load_error("expected a sequence for 'audit-log', found a mapping"))
case("audit-log-scalar", BASE[:BASE.index("audit-log:")] + "audit-log: created\n",
     load_error("expected a sequence for 'audit-log', found a string"))
case("audit-entry-mapping", BASE.replace("- 2026-11-28T17:32:44Z -- created\n", "- {a: b}\n", 1),
     load_error("expected a string for an 'audit-log' entry, found a mapping"))
case("audit-entry-int", BASE.replace("- 2026-11-28T17:32:44Z -- created\n", "- 42\n", 1),
     load_error("expected a string for an 'audit-log' entry, found an int"))
case("audit-entry-timestamp", BASE.replace("- 2026-11-28T17:32:44Z -- created\n", "- 2026-11-28\n", 1),
     load_error("found a timestamp"))
case("key-custodians-sequence", re.sub(r"key-custodians:\n(  .*\n)+", "key-custodians:\n- a\n", BASE),
     load_error("expected a mapping for 'key-custodians', found a sequence"))
case("key-custodians-null", re.sub(r"key-custodians:\n(  .*\n)+", "key-custodians:\n", BASE),
     load_error("expected a mapping for 'key-custodians', found null"))
case("custodian-without-pwdkm", BASE.replace("  ci@example.com:\n    pwdkm: " + CI_PWDKM, "  ci@example.com: {}", 1),
     load_error("expected a 'pwdkm' key in key custodian 'ci@example.com'"))
case("custodian-extra-key", BASE.replace("    pwdkm: " + CI_PWDKM, "    pwdkm: " + CI_PWDKM + "\n    role: admin", 1),
     load_error("unexpected key 'role' in key custodian 'ci@example.com'"))
case("custodian-duplicate-pwdkm", BASE.replace("    pwdkm: " + CI_PWDKM, "    pwdkm: " + CI_PWDKM + "\n    pwdkm: " + CI_PWDKM, 1),
     load_error("duplicate key 'pwdkm'"))
case("pwdkm-mapping", BASE.replace("pwdkm: " + CI_PWDKM, "pwdkm: {a: b}", 1),
     load_error("expected a string for 'pwdkm' of key custodian 'ci@example.com', found a mapping"))
case("pwdkm-bool", BASE.replace("pwdkm: " + CI_PWDKM, "pwdkm: true", 1), load_error("found a bool"))
case("pwdkm-null", BASE.replace("pwdkm: " + CI_PWDKM, "pwdkm: null", 1), load_error("found null"))
case("pwdkm-block-scalar", BASE.replace("pwdkm: " + CI_PWDKM, "pwdkm: |\n      " + CI_PWDKM, 1),
     load_error("invalid base64 in pwdkm of key custodian 'ci@example.com'"))
case("domain-scalar", ci_block(BASE, "ci: hello\n"), load_error("expected a mapping for domain 'ci', found a string"))
case("domain-null", ci_block(BASE, "ci:\n"), load_error("expected a mapping for domain 'ci', found null"))
case("domain-without-meta", ci_block(BASE, "ci:\n  secret-DEPLOY_TOKEN: %s\n" % CI_SECRET),
     load_error("expected a 'meta' key in domain 'ci'"))
case("meta-without-public-key", re.sub(r"(ci:\n(?:.*\n)*?)    public-key: \S+\n", r"\1", BASE, count=1),
     load_error("expected a 'public-key' key in 'meta' of domain 'ci'"))
case("meta-without-owners", ci_block(BASE, "ci:\n  meta:\n    public-key: %s\n" % CI_PUBLIC),
     load_error("expected an 'owners' key in 'meta' of domain 'ci'"))
case("meta-extra-key", with_ci().replace("    owners:\n      ci@", "    note: x\n    owners:\n      ci@", 1),
     load_error("unexpected key 'note' in 'meta' of domain 'ci'"))
case("meta-sequence", ci_block(BASE, "ci:\n  meta:\n  - a\n"), load_error("expected a mapping for 'meta' of domain 'ci'"))
case("owners-empty", ci_block(BASE, "ci:\n  meta:\n    public-key: %s\n    owners: {}\n" % CI_PUBLIC),
     load_error("expected at least one owner in 'owners' of domain 'ci'"))
case("owners-sequence", ci_block(BASE, "ci:\n  meta:\n    public-key: %s\n    owners:\n    - %s\n" % (CI_PUBLIC, CI)),
     load_error("expected a mapping for 'owners' of domain 'ci', found a sequence"))
case("owner-int-value", with_ci(owner="12345"), load_error("found an int"))
case("public-key-int", with_ci(public_key="12345"), load_error("found an int"))
case("public-key-float", with_ci(public_key="1.5e3"), load_error("found a float"))
case("public-key-mapping", with_ci().replace("public-key: " + CI_PUBLIC, "public-key: {x: y}", 1),
     load_error("expected a string for 'public-key' of domain 'ci', found a mapping"))
case("secret-value-sequence", with_ci().replace("secret-DEPLOY_TOKEN: " + CI_SECRET, "secret-DEPLOY_TOKEN: [a]", 1),
     load_error("found a sequence"))
case("secret-value-null", with_ci().replace("secret-DEPLOY_TOKEN: " + CI_SECRET, "secret-DEPLOY_TOKEN:", 1),
     load_error("found null"))
case("secret-name-digit", with_ci().replace("secret-DEPLOY_TOKEN:", "secret-1TOKEN:", 1),
     load_error("unexpected key 'secret-1TOKEN' in domain 'ci'"))
case("secret-name-empty", with_ci().replace("secret-DEPLOY_TOKEN:", "secret-:", 1),
     load_error("unexpected key 'secret-' in domain 'ci'"))
case("secret-name-space", with_ci().replace("secret-DEPLOY_TOKEN:", "'secret-DEPLOY TOKEN':", 1),
     load_error("unexpected key 'secret-DEPLOY TOKEN'"))
case("secret-name-newline", with_ci().replace("secret-DEPLOY_TOKEN:", '"secret-DEPLOY_TOKEN\\n":', 1),
     load_error("unexpected key 'secret-DEPLOY_TOKEN\\x0a'"))
case("secret-name-unicode", with_ci().replace("secret-DEPLOY_TOKEN:", "secret-TOKÉN:", 1),
     load_error("unexpected key 'secret-TOKÉN'"))
case("unknown-domain-key", with_ci().replace("  meta:\n    public-key: " + CI_PUBLIC, "  password: hunter2\n  meta:\n    public-key: " + CI_PUBLIC, 1),
     load_error("unexpected key 'password' in domain 'ci'"))
case("duplicate-domain", ci_block(BASE, CI_BLOCK + CI_BLOCK), load_error("duplicate key 'ci' in the top level"))
case("duplicate-secret", with_ci().replace("  secret-DEPLOY_TOKEN: " + CI_SECRET, "  secret-DEPLOY_TOKEN: %s\n  secret-DEPLOY_TOKEN: %s" % (CI_SECRET, CI_SECRET), 1),
     load_error("duplicate key 'secret-DEPLOY_TOKEN' in domain 'ci'"))
case("duplicate-owner", with_ci().replace("      ci@example.com: " + CI_OWNER, "      ci@example.com: %s\n      ci@example.com: %s" % (CI_OWNER, CI_OWNER), 1),
     load_error("duplicate key 'ci@example.com'"))
case("duplicate-custodian", BASE.replace("  ci@example.com:\n    pwdkm: " + CI_PWDKM, "  ci@example.com:\n    pwdkm: %s\n  ci@example.com:\n    pwdkm: %s" % (CI_PWDKM, CI_PWDKM), 1),
     load_error("duplicate key 'ci@example.com' in 'key-custodians'"))
case("duplicate-audit-log", BASE + "audit-log: []\n", load_error("duplicate key 'audit-log'"))
case("domain-named-int", BASE.replace("ci:\n", "42:\n", 1), load_error("found an int"))
case("domain-named-null", BASE.replace("ci:\n", "~:\n", 1), load_error("found null"))
case("complex-key", BASE.replace("ci:\n", "? {a: b}\n:\n", 1), load_error("expected a string key in the top level, found a mapping"))
case("alias", BASE.replace("  secret-DEPLOY_TOKEN: " + CI_SECRET, "  secret-DEPLOY_TOKEN: &t " + CI_SECRET + "\n  secret-COPY: *t", 1),
     load_error("aliases are not supported"))
case("billion-laughs", "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join("%s: &%s [*%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s]\n" % ((chr(98 + i), chr(98 + i)) + (chr(97 + i),) * 9) for i in range(8)) + BASE,
     load_error(""))
case("merge-key", BASE.replace("ci:\n", "base: &b {meta: {public-key: x, owners: {a: b}}}\nci:\n  <<: *b\n", 1), load_error(""))
case("python-object-tag", BASE.replace("secret-DEPLOY_TOKEN: " + CI_SECRET, "secret-DEPLOY_TOKEN: !!python/object:os.system " + CI_SECRET, 1),
     load_error("unsupported tag 'tag:yaml.org,2002:python/object:os.system'"))
case("binary-tag", BASE.replace("secret-DEPLOY_TOKEN: " + CI_SECRET, "secret-DEPLOY_TOKEN: !!binary " + CI_SECRET, 1),
     load_error("unsupported tag 'tag:yaml.org,2002:binary'"))
case("set-tag", BASE.replace("ci:\n", "ci: !!set\n", 1), load_error("unsupported tag"))
case("very-long-key", BASE.replace("ci:\n", "? " + "k" * 100000 + "\n:\n  meta:\n    public-key: %s\n    owners:\n      x: %s\nci:\n" % (CI_PUBLIC, CI_OWNER), 1),
     OK)

# --- 3. Fields that do not decode ---
case("public-key-bad-base64", with_ci(public_key="not*base64"), load_error("invalid base64 in public-key of domain 'ci'"))
case("public-key-bad-padding", with_ci(public_key=CI_PUBLIC.rstrip("=")[:-1]), load_error("invalid base64 in public-key of domain 'ci'"))
case("public-key-version-1", with_ci(public_key=b64(b"\x01" + unb64(CI_PUBLIC)[1:])), load_error("unsupported version byte 0x01 in public-key of domain 'ci'"))
case("public-key-version-ff", with_ci(public_key=b64(b"\xff" + unb64(CI_PUBLIC)[1:])), load_error("unsupported version byte 0xFF"))
case("public-key-short", with_ci(public_key=b64(unb64(CI_PUBLIC)[:-1])), load_error("wrong length (31 bytes, expected 32) of public-key of domain 'ci'"))
case("public-key-long", with_ci(public_key=b64(unb64(CI_PUBLIC) + b"x")), load_error("wrong length (33 bytes, expected 32)"))
case("public-key-version-only", with_ci(public_key=b64(b"\x00")), load_error("wrong length (0 bytes, expected 32)"))
case("public-key-empty", with_ci(public_key="''"), load_error("empty value in public-key of domain 'ci'"))
case("owner-truncated", with_ci(owner=b64(unb64(CI_OWNER)[:-1])), load_error("truncated owner entry of 'ci@example.com' in domain 'ci'"))
case("owner-over-long", with_ci(owner=b64(unb64(CI_OWNER) + b"x")), load_error("over-long owner entry"))
case("owner-version-2", with_ci(owner=b64(b"\x02" + unb64(CI_OWNER)[1:])), load_error("unsupported version byte 0x02 in owner entry"))
case("owner-bad-base64", with_ci(owner="AAAA*AAA"), load_error("invalid base64 in owner entry of 'ci@example.com' in domain 'ci'"))
case("secret-truncated", with_ci().replace(CI_SECRET, b64(b"\x00" + b"x" * 47)),
     load_error("truncated ciphertext in secret 'DEPLOY_TOKEN' of domain 'ci'"))
case("secret-version-7", with_ci().replace(CI_SECRET, b64(b"\x07" + unb64(CI_SECRET)[1:])), load_error("unsupported version byte 0x07 in secret 'DEPLOY_TOKEN'"))
case("secret-bad-base64", with_ci().replace(CI_SECRET, CI_SECRET[:-2] + "=A"), load_error("invalid base64 in secret 'DEPLOY_TOKEN'"))
case("secret-empty", with_ci().replace(CI_SECRET, "''"), load_error("empty value in secret 'DEPLOY_TOKEN'"))
case("secret-base64-with-space", with_ci().replace(CI_SECRET, "'" + CI_SECRET[:10] + " " + CI_SECRET[10:] + "'"), load_error("invalid base64"))
case("pwdkm-version-3", BASE.replace(CI_PWDKM, b64(b"\x03" + unb64(CI_PWDKM)[1:])), load_error("unsupported version byte 0x03 in pwdkm of key custodian 'ci@example.com'"))
case("pwdkm-v2-short", BASE.replace(CI_PWDKM, b64(unb64(CI_PWDKM)[:-1])), load_error("wrong length (40 bytes, expected 41) of pwdkm of key custodian 'ci@example.com'"))
case("pwdkm-v0-long", BASE.replace(CI_PWDKM, b64(b"\x00" + unb64(CI_PWDKM)[1:] + b"x")), load_error("wrong length (42 bytes, expected 41)"))
case("pwdkm-v1-short", BASE.replace(ALICE_PWDKM, b64(unb64(ALICE_PWDKM)[:-3])), load_error("wrong length (46 bytes, expected 49) of pwdkm of key custodian 'alice@example.com'"))
case("pwdkm-empty", BASE.replace(CI_PWDKM, "''"), load_error("empty value in pwdkm of key custodian 'ci@example.com'"))
case("pwdkm-bad-base64", BASE.replace(CI_PWDKM, CI_PWDKM + "@"), load_error("invalid base64 in pwdkm"))

# --- 4. Costs the file sets (alice's fast record) ---
def alice_limits(ops, mem):
    raw = bytearray(unb64(ALICE_PWDKM))
    raw[1:9] = struct.pack("<II", ops, mem)
    return BASE.replace(ALICE_PWDKM, b64(bytes(raw)))


KDF = {"list": [0, ""], "decrypt": [1, "asks for an Argon2id cost beyond"], "write": [1, "asks for an Argon2id cost beyond"],
       "run": [125, "asks for an Argon2id cost beyond"]}
for name, ops, mem in [("kdf-opslimit-max", 0xFFFFFFFF, 67108864), ("kdf-memlimit-max", 2, 0xFFFFFFFF),
                       ("kdf-opslimit-5", 5, 67108864), ("kdf-memlimit-256m-plus-1k", 4, 268435456 + 1024),
                       ("kdf-both-huge", 0xFFFFFFFF, 0xFFFFFFFF)]:
    case(name, alice_limits(ops, mem), KDF, user=ALICE, domain="prod", run_flags=["--uppercase"])
BADLIMIT = {"list": [0, ""], "decrypt": [1, "cannot derive the key of custodian 'alice@example.com'"],
            "write": [1, "cannot derive the key"], "run": [125, "cannot derive the key"]}
case("kdf-opslimit-0", alice_limits(0, 67108864), BADLIMIT, user=ALICE, domain="prod", run_flags=["--uppercase"])
case("kdf-memlimit-0", alice_limits(2, 0), BADLIMIT, user=ALICE, domain="prod", run_flags=["--uppercase"])
# The other custodian of the same file is not held back by a hostile record.
case("kdf-hostile-other-custodian", alice_limits(0xFFFFFFFF, 0xFFFFFFFF), OK)

# --- 5. Crypto that decodes but does not add up ---
# rotate-domain-keys (the write) is the repair: it succeeds.
REPLACED = dict(key_error("the public-key of domain 'ci' is not the one of its private key"), write=[0, ""])
case("public-key-replaced", with_ci(public_key=DEV_PUBLIC), REPLACED)
fresh = nacl.public.PrivateKey.generate()
case("public-key-attacker", with_ci(public_key=b64(b"\x00" + bytes(fresh.public_key))), REPLACED)
# dev's owner entry for ci opens with ci's key, but to dev's domain key.
# (and rotating names the secret it cannot open with that key)
case("owner-entry-of-other-domain", with_ci(owner=DEV_CI_OWNER),
     dict(key_error("the public-key of domain 'ci' is not the one of its private key"),
          write=[1, "cannot rotate domain 'ci': its public-key was altered and DEPLOY_TOKEN were sealed to that key"]))
# An owner entry sealed to someone else's key does not open.
other = nacl.public.PrivateKey.generate()
sealed_elsewhere = nacl.public.SealedBox(other.public_key).encrypt(b"k" * 32)
case("owner-entry-sealed-elsewhere", with_ci(owner=b64(b"\x00" + sealed_elsewhere)), key_error("cannot decrypt owner entry of 'ci@example.com' in domain 'ci'"))
# ci's own key, sealed so it opens to 31 bytes of key: right length on the outside (80 = 32 + 48)? No: 79.
ci_custodian_public = unb64(CI_PWDKM)[9:41]
short_key = nacl.public.SealedBox(nacl.public.PublicKey(ci_custodian_public)).encrypt(b"k" * 31)
case("owner-entry-short-key", with_ci(owner=b64(b"\x00" + short_key)), load_error("truncated owner entry"))
random_owner = b"\x00" + os.urandom(80)
case("owner-entry-random", with_ci(owner=b64(random_owner)), key_error("cannot decrypt owner entry of 'ci@example.com' in domain 'ci'"))
# prod's secret copied into ci: sealed to another domain's key.
case("secret-from-other-domain", with_ci().replace(CI_SECRET, PROD_SECRET), key_error("cannot decrypt secret 'DEPLOY_TOKEN' of domain 'ci'"))
flipped = bytearray(unb64(CI_SECRET))
flipped[-1] ^= 1
case("secret-bit-flipped", with_ci().replace(CI_SECRET, b64(bytes(flipped))), key_error("cannot decrypt secret 'DEPLOY_TOKEN' of domain 'ci' (corrupted"))
case("secret-random-bytes", with_ci().replace(CI_SECRET, b64(b"\x00" + os.urandom(64))), key_error("cannot decrypt secret 'DEPLOY_TOKEN'"))
case("owner-not-a-custodian", with_ci().replace("      ci@example.com: " + CI_OWNER, "      ci@example.com: %s\n      ghost@example.com: %s" % (CI_OWNER, CI_OWNER), 1),
     {"list": [0, ""], "decrypt": [0, ""], "write": [1, "owner 'ghost@example.com' of domain 'ci' is not a key custodian"], "run": [0, ""]})
case("not-an-owner", with_ci(), {"list": [0, ""], "decrypt": [1, "alice@example.com is not an owner of ci"],
                                 "write": [1, "alice@example.com is not an owner of ci"], "run": [125, "alice@example.com is not an owner of ci"]},
     user=ALICE)
case("unknown-custodian", BASE.replace("  ci@example.com:\n    pwdkm: " + CI_PWDKM + "\n", "", 1),
     {"list": [0, ""], "decrypt": [1, "Invalid user email"], "write": [1, "Invalid user email"], "run": [125, "Invalid user email"]})
case("custodian-key-replaced", BASE.replace(CI_PWDKM, b64(unb64(CI_PWDKM)[:9] + bytes(fresh.public_key))),
     {"list": [0, ""], "decrypt": [1, "Invalid user email"], "write": [1, "Invalid user email"], "run": [125, "Invalid user email"]})
case("missing-domain", BASE.replace("ci:\n", "cx:\n", 1),
     {"list": [0, ""], "decrypt": [1, "no domain of name ci"], "write": [1, "no domain of name ci"], "run": [125, "no domain named 'ci'"]})


# --- 6. Values a consumer cannot carry (anyone may add them) ---
def add_ci_secret(name, value_bytes):
    public = nacl.public.PublicKey(unb64(CI_PUBLIC)[1:])
    sealed = b64(b"\x00" + nacl.public.SealedBox(public).encrypt(value_bytes))
    return with_ci().replace("  secret-DEPLOY_TOKEN:", "  secret-%s: %s\n  secret-DEPLOY_TOKEN:" % (name, sealed), 1)


case("value-not-utf8", add_ci_secret("LATIN1", b"caf\xe9"),
     {"list": [0, ""], "decrypt": [1, "secret 'LATIN1' is not valid UTF-8"], "write": [0, ""], "run": [0, ""]})
case("value-nul-byte", add_ci_secret("BLOB", b"a\0b"),
     {"list": [0, ""], "decrypt": [0, ""], "write": [0, ""], "run": [125, "secret BLOB: the value holds a NUL byte"]})
case("value-200k", add_ci_secret("HUGE", b"v" * 200000),
     {"list": [0, ""], "decrypt": [0, ""], "write": [0, ""], "run": [125, "secret HUGE: the value is 200000 bytes"]})
for name, message in [("PATH", "secret PATH: PATH decides which programs run"), ("LD_PRELOAD", "secret LD_PRELOAD: LD_PRELOAD is a dynamic-loader variable"),
                      ("BASH_ENV", "secret BASH_ENV: BASH_ENV decides"), ("NODE_OPTIONS", "secret NODE_OPTIONS"), ("PYTHONPATH", "secret PYTHONPATH")]:
    case("secret-named-" + name.lower().replace("_", "-"), add_ci_secret(name, b"/tmp/evil"),
         {"list": [0, ""], "decrypt": [0, ""], "write": [0, ""], "run": [125, message]})
case("secret-named-db-pass", add_ci_secret("db-pass", b"x"),
     {"list": [0, ""], "decrypt": [0, ""], "write": [0, ""], "run": [125, "'db-pass' is not a valid environment variable name"]})

# --- 7. Hostile names ---
case("domain-escape-sequence", BASE.replace("dev:\n", "\"evil\\e]0;pwned\\a\":\n" + DEV_BLOCK[5:] + "dev:\n", 1), OK)
case("domain-named-audit-log", BASE.replace("dev:\n", "audit-log:\n" + DEV_BLOCK[5:], 1),
     load_error("expected a sequence for 'audit-log', found a mapping"))
case("custodian-control-chars", BASE.replace("  ci@example.com:\n    pwdkm: " + CI_PWDKM, "  \"ci\\x1b[2J@example.com\":\n    pwdkm: %s\n  ci@example.com:\n    pwdkm: %s" % (CI_PWDKM, CI_PWDKM), 1), OK)
# Keys over 1024 characters cannot be implicit YAML keys: explicit ones, as
# the reference writes long keys.
case("domain-10k-name", BASE.replace("dev:\n", "? " + "d" * 10000 + "\n:\n" + DEV_BLOCK[5:] + "dev:\n", 1), OK)
case("implicit-key-over-1024", BASE.replace("dev:\n", "'" + "d" * 1100 + "':\n" + DEV_BLOCK[5:] + "dev:\n", 1),
     load_error("could not find expected ':'"))
case("many-domains", BASE.replace("dev:\n", "".join("d%05d:\n" % i + DEV_BLOCK[5:] for i in range(300)) + "dev:\n", 1), OK)

# --- 8. Valid but unusual: must load ---
case("flow-style", "{ci: {secret-DEPLOY_TOKEN: %s, meta: {public-key: %s, owners: {ci@example.com: %s}}}, key-custodians: {ci@example.com: {pwdkm: %s}}, audit-log: [created]}\n" % (CI_SECRET, CI_PUBLIC, CI_OWNER, CI_PWDKM), OK)
case("comments-everywhere", re.sub(r"^(.*)$", r"\1  # note", BASE.replace("\n- ", "\n- "), flags=re.M).replace("-  # note", "- x  # note"), OK)
case("quoted-keys", BASE.replace("ci:\n", '"ci":\n', 1).replace("secret-DEPLOY_TOKEN:", "'secret-DEPLOY_TOKEN':", 1), OK)
case("four-space-indent", re.sub(r"^( +)", lambda m: m.group(1) * 2, BASE, flags=re.M), OK)
case("explicit-str-tags", BASE.replace("secret-DEPLOY_TOKEN: ", "secret-DEPLOY_TOKEN: !!str ", 1), OK)
case("empty-audit-log", BASE[:BASE.index("audit-log:")] + "audit-log: []\n", OK)
case("document-markers", "---\n" + BASE + "...\n", OK)

os.makedirs(OUT, exist_ok=True)
for old in os.listdir(OUT):
    os.unlink(os.path.join(OUT, old))
with open(os.path.join(HERE, "expected.jsonl"), "w") as manifest:
    for number, c in enumerate(cases, 1):
        name = "%03d-%s.yaml" % (number, c["name"])
        data = c["binary"] if c["binary"] is not None else c["text"].encode("utf-8", "surrogatepass")
        with open(os.path.join(OUT, name), "wb") as out:
            out.write(data)
        manifest.write(json.dumps({"file": name, "user": c["user"], "domain": c["domain"], "run_flags": c["run_flags"],
                                   "expect": c["expect"]}) + "\n")
print("%d files" % len(cases))
