#!/usr/bin/env python3
"""Checks ARCHITECTURE.md's dependency rule on the includes: each folder's
sources include only headers of the folders below it (and its own). The
link check of the unit tests cannot see a header-only include; this can.

Prints each include that points up or sideways, and exits 1 if there is one.
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# What each folder may include besides itself, as ARCHITECTURE.md draws it
# (what is below a folder's direct dependencies is allowed too).
BELOW = {
    'sys': [],
    'store/yaml': ['sys'],
    'store': ['store/yaml', 'sys'],
    'policy': ['store', 'store/yaml', 'sys'],
    'launcher/supervisor': ['sys'],
    'launcher/masking': ['sys'],
    'launcher': ['policy', 'store', 'store/yaml', 'launcher/supervisor', 'launcher/masking', 'sys'],
    'launcher/admin': ['launcher', 'policy', 'store', 'store/yaml', 'launcher/supervisor', 'launcher/masking',
                       'sys'],
}
# The executables' mains, which join the libraries they link.
MAINS = {'launcher/pprotect_main.cpp', 'launcher/pprotect_run_main.cpp'}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def folder_of(path):
    return os.path.dirname(path)


def main():
    problems = []
    for folder, allowed in BELOW.items():
        directory = os.path.join(ROOT, folder)
        for name in sorted(os.listdir(directory)):
            if not name.endswith(('.cpp', '.hpp')) or '%s/%s' % (folder, name) in MAINS:
                continue
            with open(os.path.join(directory, name), encoding='utf-8') as source:
                for number, line in enumerate(source, 1):
                    match = INCLUDE.match(line)
                    if not match:
                        continue
                    target = folder_of(match.group(1))
                    if target == folder or target in allowed or target not in BELOW:
                        continue
                    problems.append('%s/%s:%d includes %s (%s may use %s)' %
                                    (folder, name, number, match.group(1), folder,
                                     ', '.join(allowed) or 'nothing else'))
    for problem in problems:
        print(problem)
    if problems:
        sys.exit(1)
    print('ok: every include follows the dependency rule')


if __name__ == '__main__':
    main()
