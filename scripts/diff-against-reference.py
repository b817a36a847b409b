#!/usr/bin/env python3
"""Differential check against the Python reference (pocket_protector).

Runs the same random admin commands, with the same answers on standard
input, through the reference and through our pprotect, each on its own copy
of tests/fixtures/raw.yaml, and reports every step where the exit code,
stdout, stderr or the written file differ. Ciphertexts, keys and timestamps
are random, so base64 runs and timestamps are masked before comparing.

Not run by the tests: the reference is not a project dependency. Install it
somewhere (it needs PyNaCl, ruamel.yaml, schema, face, boltons, attrs) and
point PPROTECT_REFERENCE at a command that runs its CLI:

  PPROTECT_REFERENCE='python3 -m pocket_protector' \\
    scripts/diff-against-reference.py --seeds 1-8 --steps 80

Known differences, all deliberate and filtered out: Python's getpass
warnings when stdin is not a terminal; the reference's tracebacks (rm-domain
of a missing domain); control characters in names, which our messages
escape. Not filtered, to be read: flags after a positional argument and
positional arguments that start with '-' (the reference reads them as flags
and refuses them), and env/shell output at the first name that is not a
shell identifier (the reference has printed the lines before it; we print
nothing).
"""
import argparse
import difflib
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
RAW_PASSPHRASE = 'P963b19ddf98f50e0e0096d14e1a4141bac989ea61effbfe75edf84b97af11b50P'  # tests/fixtures/raw.expected.json

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


def deliberate(ref_err, our_err):
    return b'Traceback' in ref_err or b'GetPassWarning' in ref_err or b'\\x' in our_err


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


def run_seed(seed, steps, reference, ours, workdir):
    rnd = random.Random(seed)
    dirs = {}
    for side in ('reference', 'ours'):
        dirs[side] = os.path.join(workdir, str(seed), side)
        os.makedirs(dirs[side])
        shutil.copy(os.path.join(ROOT, 'tests', 'fixtures', 'raw.yaml'), os.path.join(dirs[side], 'protected.yaml'))
    env = {k: v for k, v in os.environ.items() if not k.startswith('PPROTECT_')}
    env.update(PPROTECT_USER=RAW_USER, PPROTECT_PASSPHRASE=RAW_PASSPHRASE)
    differing = 0
    for step in range(steps):
        args, stdin = random_step(rnd)
        results = {}
        for side, command in (('reference', reference), ('ours', ours)):
            done = subprocess.run(command + args, input=stdin.encode(), cwd=dirs[side], env=env,
                                  capture_output=True, timeout=300)
            with open(os.path.join(dirs[side], 'protected.yaml'), 'rb') as f:
                results[side] = (done.returncode, done.stdout, done.stderr, f.read())
        ref, our = results['reference'], results['ours']
        problems = []
        if ref[0] != our[0]:
            problems.append('exit code %d, ours %d' % (ref[0], our[0]))
        if mask(ref[1]) != mask(our[1]):
            problems.append('stdout %r\n    ours %r' % (mask(ref[1])[-300:], mask(our[1])[-300:]))
        if mask(ref[2]).replace(dirs['reference'], '') != mask(our[2]).replace(dirs['ours'], '') and \
                not deliberate(ref[2], our[2]):
            problems.append('stderr %r\n    ours %r' % (mask(ref[2])[-300:], mask(our[2])[-300:]))
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--seeds', default='1-4', help='a seed or a range, as 1-8')
    parser.add_argument('--steps', type=int, default=60)
    parser.add_argument('--ours', default=os.path.join(ROOT, 'build', 'bin', 'pprotect'))
    options = parser.parse_args()
    reference = os.environ.get('PPROTECT_REFERENCE')
    if not reference:
        sys.exit('diff-against-reference: set PPROTECT_REFERENCE to the command that runs the reference CLI')
    first, _, last = options.seeds.partition('-')
    with tempfile.TemporaryDirectory(prefix='pprotect-diff-') as workdir:
        total = sum(run_seed(seed, options.steps, shlex.split(reference), [options.ours], workdir)
                    for seed in range(int(first), int(last or first) + 1))
    sys.exit(1 if total else 0)


if __name__ == '__main__':
    main()
