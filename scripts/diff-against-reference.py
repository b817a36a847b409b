#!/usr/bin/env python3
"""Differential check against the Python reference (pocket_protector).

Runs the same random admin commands, with the same answers on standard
input, through the reference and through our pprotect, each on its own copy
of the reference's raw.yaml in one layout, and reports every step where the
exit code, stdout, stderr or the written file differ. Ciphertexts, keys and
timestamps are random, so base64 runs and timestamps are masked before
comparing.

The reference writes whatever layout its ruamel.yaml writes, so run it with
a release of the layout the start file is in: --layout a (tests/fixtures/
raw.yaml, ruamel.yaml up to 0.17.21), b (tests/fixtures/ruamel-0.18.10/,
0.17.22 - 0.18.12) or c (tests/fixtures/ruamel-0.19.1/, 0.18.13 and later).
--ruamel DIR puts DIR (a directory holding ruamel/yaml/, such as a `git
archive` of a release tag unpacked there) first on the reference's
PYTHONPATH; the release it holds is printed.

Not run by the tests: the reference is not a project dependency. Install it
somewhere (it needs PyNaCl, ruamel.yaml, schema, face, boltons, attrs) and
point PPROTECT_REFERENCE at a command that runs its CLI:

  PPROTECT_REFERENCE='python3 -m pocket_protector' \\
    scripts/diff-against-reference.py --layout c --ruamel /tmp/ruamel-0.19.1 --seeds 1-8 --steps 80

--scenario runs a fixed session instead (init, custodians, domains,
secrets, credentials from the environment, prompts and both) from an empty
directory, comparing every step's exit code, stdout, stderr and file.

Known differences, all deliberate and filtered out: Python's getpass
warnings when stdin is not a terminal (the lines are dropped, the line
break getpass writes after each answer is compared); the reference's
tracebacks (rm-domain of a missing domain); control characters in names,
which our messages escape; and names that layouts b and c would write so
that the file no longer loads (a long name broken across lines): the
reference writes the broken file, we refuse the write (exit 1), and the run
goes on from our file. Not filtered, to be read: flags after a positional argument and
positional arguments that start with '-' (the reference reads them as flags
and refuses them), and env/shell output at the first name that is not a
shell identifier (the reference has printed the lines before it; we print
nothing).
"""
import argparse
import difflib
import json
import os
import random
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RAW_USER = 'ci@example.com'
START_FOLDERS = {'a': '', 'b': 'ruamel-0.18.10', 'c': 'ruamel-0.19.1'}  # under tests/fixtures

NAMES = ['ci', 'dev', 'a b', "it's", '42', 'café', '@at', 'k' * 122, 'k' * 123, 'k' * 125, ' '.join(['w'] * 60), '中文',
         'a: b', '#x', 'staging: us', 'é' * 70, 'x"y', 'back\\slash', 'null', 'yes', '- x', 'a  b', 'tab\tx', 'x ',
         "o'brien " * 12, 'w' * 99 + ' ' + 'q' * 30, '[x', 'x,y', '~', '0o17', '1e3', '2001-01-01', 'bob@example.com']
SECRETS = ['A', 'db-pass', 'TOKEN_1', 'x', 'Z9_-', 'DEPLOY_TOKEN', 'k' * 40]
VALUE_CHARS = ['a', 'b', ' ', "'", '"', ':', '#', 'é', '\t', '\\', '$', '`', '!', '中', '😀', '-', '=', ',']
OPERATIONS = (['add-domain'] * 3 + ['add-secret'] * 2 +
              ['rm-domain', 'update-secret', 'rm-secret', 'rotate-domain-keys', 'add-owner', 'rm-owner',
               'add-key-custodian', 'list-domains', 'list-all-secrets', 'list-domain-secrets', 'list-user-secrets',
               'list-audit-log', 'decrypt-domain'])


def mask(data):
    text = data.decode('utf-8', 'replace')
    text = re.sub(r'[A-Za-z0-9+/]{40,}={0,2}', '<base64>', text)
    return re.sub(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ', '<time>', text)


# What Python's getpass adds when stdin is not a terminal, right after the
# label: "Passphrase: " + these lines + the line break it writes after the answer.
GETPASS_WARNINGS = re.compile(
    rb'[^\n :]*getpass\.py:\d+: GetPassWarning: [^\n]*\n  passwd = fallback_getpass\(prompt, stream\)\n|'
    rb'Warning: Password input may be echoed\.\n')


def without_getpass_warnings(err):
    return GETPASS_WARNINGS.sub(b'', err)


def deliberate(ref_err, our_err):
    return b'Traceback' in ref_err or b'\\x' in our_err or refused_layout(our_err)


def refused_layout(our_err):
    return b'so that it does not read back' in our_err


def random_step(rnd):
    op = rnd.choice(OPERATIONS)
    name, other, secret = rnd.choice(NAMES), rnd.choice(NAMES), rnd.choice(SECRETS)
    value = ''.join(rnd.choice(VALUE_CHARS) for _ in range(rnd.choice([0, 1, 5, 30, 120])))
    answers = {
        'add-domain': [name], 'rm-domain': [name], 'rotate-domain-keys': [name],
        'add-secret': [name, secret, value], 'update-secret': [name, secret, value], 'rm-secret': [name, secret],
        'add-owner': [name, other], 'rm-owner': [name, other],
        'add-key-custodian': [other, 'pw ' + other, 'pw ' + other],
    }.get(op, [])
    args = [op]
    if op == 'add-key-custodian':
        args += ['--key-type', 'fast']
    elif op == 'list-domain-secrets':
        args.append(name)
    elif op == 'decrypt-domain':
        args += rnd.choice([[], ['--output-format', 'env'], ['--output-format', 'shell']]) + [name]
    return args, ''.join(a + '\n' for a in answers)


def run_seed(seed, steps, reference, ours, workdir, layout, ruamel):
    rnd = random.Random(seed)
    start = os.path.join(ROOT, 'tests', 'fixtures', START_FOLDERS[layout])
    with open(os.path.join(start, 'raw.expected.json')) as f:
        raw_passphrase = json.load(f)['custodians'][RAW_USER]['passphrase']
    dirs = {}
    for side in ('reference', 'ours'):
        dirs[side] = os.path.join(workdir, str(seed), side)
        os.makedirs(dirs[side])
        shutil.copy(os.path.join(start, 'raw.yaml'), os.path.join(dirs[side], 'protected.yaml'))
    env = {k: v for k, v in os.environ.items() if not k.startswith('PPROTECT_')}
    env.update(PPROTECT_USER=RAW_USER, PPROTECT_PASSPHRASE=raw_passphrase)
    side_env = {'reference': dict(env), 'ours': env}
    if ruamel:
        side_env['reference']['PYTHONPATH'] = ruamel + os.pathsep + env.get('PYTHONPATH', '')
    differing = 0
    for step in range(steps):
        args, stdin = random_step(rnd)
        results = {}
        for side, command in (('reference', reference), ('ours', ours)):
            done = subprocess.run(command + args, input=stdin.encode(), cwd=dirs[side], env=side_env[side],
                                  capture_output=True, timeout=300)
            with open(os.path.join(dirs[side], 'protected.yaml'), 'rb') as f:
                results[side] = (done.returncode, done.stdout, done.stderr, f.read())
        ref, our = results['reference'], results['ours']
        problems = []
        if ref[0] != our[0]:
            problems.append('exit code %d, ours %d' % (ref[0], our[0]))
        if mask(ref[1]) != mask(our[1]):
            problems.append('stdout %r\n    ours %r' % (mask(ref[1])[-300:], mask(our[1])[-300:]))
        ref_err = without_getpass_warnings(ref[2])
        if mask(ref_err).replace(dirs['reference'], '') != mask(our[2]).replace(dirs['ours'], '') and \
                not deliberate(ref[2], our[2]):
            problems.append('stderr %r\n    ours %r' % (mask(ref[2])[-300:], mask(our[2])[-300:]))
        if refused_layout(our[2]):
            # We refused a write the reference made unreadable: go on from ours.
            shutil.copy(os.path.join(dirs['ours'], 'protected.yaml'), os.path.join(dirs['reference'], 'protected.yaml'))
            print('seed %d step %d: %s: refused, as deliberate (%s)' % (seed, step, shlex.join(args),
                                                                        our[2].decode().strip()[:100]))
            continue
        if mask(ref[3]) != mask(our[3]):
            diff = difflib.unified_diff(mask(ref[3]).split('\n'), mask(our[3]).split('\n'), 'reference', 'ours',
                                        lineterm='', n=1)
            problems.append('file:\n' + '\n'.join(list(diff)[:30]))
        if problems:
            differing += 1
            print('seed %d step %d: %s, stdin %r' % (seed, step, shlex.join(args), stdin))
            for problem in problems:
                print('  ' + problem)
            # Go on from the reference's file so one difference is reported once.
            shutil.copy(os.path.join(dirs['reference'], 'protected.yaml'), os.path.join(dirs['ours'], 'protected.yaml'))
    print('seed %d: %d steps, %d differing' % (seed, steps, differing))
    return differing


# A fixed session from an empty directory: init, custodians, domains,
# secrets, credentials from the environment, from prompts and from both.
# (args, stdin, extra environment)
ALICE = {'PPROTECT_USER': 'alice@example.com', 'PPROTECT_PASSPHRASE': 'alice pass'}
SCENARIO = [
    (['init', '--key-type', 'fast'], 'alice@example.com\nalice pass\nalice pass\n', {}),
    (['add-key-custodian', '--key-type', 'fast'], 'bob@example.com\nbob pass\nbob pass\n', {}),
    (['add-key-custodian', '--key-type', 'fast'], 'carol@example.com\nc1\nc2\n', {}),
    (['add-domain'], 'dev\n', ALICE),
    (['add-domain'], 'alice pass\nprod\n', {'PPROTECT_USER': 'alice@example.com'}),
    (['add-domain'], 'alice@example.com\nalice pass\nstaging: us\n', {}),
    (['add-domain'], 'wrong pass\nqa\n', {'PPROTECT_USER': 'alice@example.com'}),
    (['add-domain', '--non-interactive'], 'qa\n', {'PPROTECT_USER': 'alice@example.com'}),
    (['add-secret'], 'dev\nDB_PASS\nvalue one\n', {}),
    (['add-secret'], 'prod\nTOKEN\n01234567890123456789\n', {}),
    (['add-secret'], "staging: us\nit-s\nit's: a value\n", {}),
    (['add-secret'], 'dev\nDB_PASS\nagain\n', {}),
    (['add-owner'], 'prod\nbob@example.com\n', ALICE),
    (['update-secret'], 'dev\nDB_PASS\nvalue two\n', {}),
    (['list-domains'], '', {}),
    (['list-all-secrets'], '', {}),
    (['list-domain-secrets', 'dev'], '', {}),
    (['list-user-secrets'], 'bob pass\n', {'PPROTECT_USER': 'bob@example.com'}),
    (['decrypt-domain', 'prod'], '', {'PPROTECT_USER': 'bob@example.com', 'PPROTECT_PASSPHRASE': 'bob pass'}),
    (['decrypt-domain', '--output-format', 'env', 'dev'], '', ALICE),
    (['rm-owner'], 'prod\nbob@example.com\n', {}),
    (['rm-secret'], 'dev\nDB_PASS\n', {}),
    (['rm-domain'], 'staging: us\n', {}),
    (['set-key-custodian-passphrase'], 'bob@example.com\nbob pass\nnew bob\nnew bob\n', {}),
    (['rotate-domain-keys'], 'prod\n', ALICE),
    (['list-audit-log'], '', {}),
]


def run_scenario(reference, ours, workdir, ruamel, layout):
    dirs = {side: os.path.join(workdir, 'scenario', side) for side in ('reference', 'ours')}
    env = {k: v for k, v in os.environ.items() if not k.startswith('PPROTECT_')}
    differing = 0
    for step, (args, stdin, extra) in enumerate(SCENARIO):
        results = {}
        for side, command in (('reference', reference), ('ours', ours)):
            os.makedirs(dirs[side], exist_ok=True)
            side_env = dict(env, **extra)
            if side == 'ours' and layout:
                # A new file is written in layout c; the reference writes its release's.
                side_env['PPROTECT_YAML_LAYOUT'] = layout
            if side == 'reference' and ruamel:
                side_env['PYTHONPATH'] = ruamel + os.pathsep + env.get('PYTHONPATH', '')
            done = subprocess.run(command + args, input=stdin.encode(), cwd=dirs[side], env=side_env,
                                  capture_output=True, timeout=300)
            path = os.path.join(dirs[side], 'protected.yaml')
            text = open(path, 'rb').read() if os.path.exists(path) else b''
            err = without_getpass_warnings(done.stderr) if side == 'reference' else done.stderr
            results[side] = (done.returncode, done.stdout.replace(dirs[side].encode(), b'<dir>'),
                             err.replace(dirs[side].encode(), b'<dir>'), text)
        ref, our = results['reference'], results['ours']
        same = [ref[0] == our[0], mask(ref[1]) == mask(our[1]), mask(ref[2]) == mask(our[2]), mask(ref[3]) == mask(our[3])]
        print('step %2d %-45s %s' % (step, shlex.join(args)[:45], 'same' if all(same) else 'DIFFERS'))
        if not all(same):
            differing += 1
            for what, ok, a, b in zip(('exit', 'stdout', 'stderr', 'file'), same, ref, our):
                if not ok:
                    print('  %s: reference %r\n  %s  ours      %r' % (what, a if what == 'exit' else mask(a)[-400:],
                                                                   ' ' * len(what), b if what == 'exit' else mask(b)[-400:]))
    print('scenario: %d steps, %d differing' % (len(SCENARIO), differing))
    return differing


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--seeds', default='1-4', help='a seed or a range, as 1-8')
    parser.add_argument('--steps', type=int, default=60)
    parser.add_argument('--ours', default=os.path.join(ROOT, 'build', 'bin', 'pprotect'))
    parser.add_argument('--layout', choices=sorted(START_FOLDERS),
                        help='the layout of the start file (default a); run the reference with a ruamel.yaml of '
                             'that layout. With --scenario: the layout pprotect writes the new file in (default c)')
    parser.add_argument('--scenario', action='store_true',
                        help='run the fixed scripted session from an empty directory instead of random steps')
    parser.add_argument('--ruamel', help='a directory holding ruamel/yaml/, first on the reference\'s PYTHONPATH')
    options = parser.parse_args()
    reference = os.environ.get('PPROTECT_REFERENCE')
    if not reference:
        sys.exit('diff-against-reference: set PPROTECT_REFERENCE to the command that runs the reference CLI')
    first, _, last = options.seeds.partition('-')
    ruamel = os.path.abspath(options.ruamel) if options.ruamel else None
    version = subprocess.run([sys.executable, '-c', 'import ruamel.yaml; print(ruamel.yaml.__version__)'],
                             env=dict(os.environ, PYTHONPATH=ruamel or os.environ.get('PYTHONPATH', '')),
                             capture_output=True, text=True).stdout.strip()
    print('%s, reference with ruamel.yaml %s' % ('scenario' if options.scenario else 'layout %s' % (options.layout or 'a'),
                                                 version or 'unknown'))
    with tempfile.TemporaryDirectory(prefix='pprotect-diff-') as workdir:
        if options.scenario:
            sys.exit(1 if run_scenario(shlex.split(reference), [options.ours], workdir, ruamel, options.layout) else 0)
        total = sum(run_seed(seed, options.steps, shlex.split(reference), [options.ours], workdir, options.layout or 'a',
                             ruamel)
                    for seed in range(int(first), int(last or first) + 1))
    sys.exit(1 if total else 0)


if __name__ == '__main__':
    main()
