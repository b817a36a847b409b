#!/usr/bin/python3
# Regenerates the emitter golden cases with ruamel.yaml configured as
# pocket_protector configures it (YAML() round-trip dumper, width 100, its
# OrderedDict representer, the file layout of KeyFile.get_contents), for
# whichever ruamel.yaml release is importable. Not run by the tests: ruamel.yaml
# is not a project dependency. Put one release on PYTHONPATH (a `git archive`
# of its tag in the ruamel.yaml repository, laid out as ruamel/yaml/) and
# name the release's folder:
#   PYTHONPATH=/tmp/ruamel-0.19.1 python3 tests/data/yaml/make_emitter_cases.py tests/data/yaml/ruamel-0.19.1
# writes emitter_cases.txt (one string in every position of a small file) and
# emitter_files.txt (random whole files: several domains, secrets, owners,
# custodians and entries, so state carried from one entry to the next is
# exercised too). Each file's header names the release that wrote it. The
# case list is the same for every release, so the folders compare line by line.
import collections
import io
import random
import sys

import ruamel.yaml



def _represent_ordereddict(dumper, data):
    value = []
    for k, v in data.items():
        value.append((dumper.represent_data(k), dumper.represent_data(v)))
    return ruamel.yaml.nodes.MappingNode('tag:yaml.org,2002:map', value)

ruamel.yaml.representer.RoundTripRepresenter.add_representer(collections.OrderedDict, _represent_ordereddict)
Y = ruamel.yaml.YAML()
VERSION = ruamel.yaml.__version__
Y.width = 100

def dump(data):
    s = io.StringIO()
    Y.dump(data, s)
    return s.getvalue()

def file_for(S):
    dom = collections.OrderedDict(sorted({"secret-x": S}.items()))
    dom['meta'] = collections.OrderedDict([("public-key", S), ("owners", collections.OrderedDict([(S, S)]))])
    data = collections.OrderedDict([(S, dom)])
    data['key-custodians'] = collections.OrderedDict([(S, {'pwdkm': S})])
    data['audit-log'] = [S]
    return data


cases = []
def add(s):
    if s not in cases:
        cases.append(s)

# resolver triggers
for s in ['42','-1','+1','0o17','0b1','1_000','3.14','1e3','.inf','-.inf','+.INF','.nan','.NaN','.NAN','False','true','TRUE',
          'false','FALSE','True','~','null','NULL','Null','nULL','','2001-01-01','2001-1-1 1:00:00','2001-01-01T10:00:00Z',
          '2001-01-01 10:00:00.5 +01:00','2001-01-01t1:00:00-5','2001-01-1','yes','no','on','off','Yes','NO','y','n','12:30',
          '1:2:3','0x1F','0xg','1e','1e+','1.','1.e5','.5','.5e3','.5e+3','-.5','1.2.3','<<','<','=','==','-_','_','+','-',
          '.','0','00','1__','0o','0b','0x','0o8','0b2','1_2.3_4','+12e-3','12E3','12e3.5','inf','nan','.Inf','-.nan',
          '2001-01-01x','20010101','2001-01-01 ','123abc','1 2','0.0.0.0','1,000','v1.2','+-1','--1']:
    add(s)
# indicators
for c in '#,[]{}&*!|>\'"%@`?:-=~<.':
    add(c); add(c + 'x'); add(c + ' x'); add('x' + c); add('x' + c + 'y'); add('x ' + c + ' y'); add('x' + c + ' y'); add('x ' + c + 'y')
for s in ['- x','? x',': x','-x','?x',':x','x,y','a#b','a #b','a: b','a:','a:b','---','...','--- x','...x','----','....',
          "o'brien",'back\\slash','café','staging: us','x: "y"',"it's: x","a: 'b'",'"quoted"',"'quoted'",'a"b',"a'b'c",
          '::','x::','a :b','a\\','\\n','a\\tb','%YAML','!!str','&anchor','*alias','|','>','- ','-- x','a - b','# c']:
    add(s)
# spaces
for s in [' x','x ',' ','  ','a  b','a   b',' a b ','a b']:
    add(s)
# control and unicode
for s in ['\t','tab\tx','x\x7f','\x00','a\x00b','\x07','\x08','\x0b','\x0c','\x1b','\x01','\x1f','\x85','a\x85b','\xa0','a\xa0b',
          '\u2028','a\u2028b','\u2029','a\u2029b','\ufeff','a\ufeffb','\ue000','\ufffd','\ufffe','\uffff','\U0001F600','a\U0001F600b',
          "it's \U0001F600",'é','中文','ünïcödé: x','\r','a\rb','a\r\nb','\x80','\x9f','\xad',"'\t'",'\u0300','\ud7ff']:
    add(s)
# multi-line
for s in ['a\nb','a\n','\na','a\n\nb','a \nb','a\n b','a\n\n','\n',"it's\nx",'x\ny: z','a\n\n\nb','a\n \nb',
          'a\u2028\u2028b','a\u2028\nb','a\nb\tc',"a'\nb",'- a\n- b','line one\nline two\nline three']:
    add(s)

# lengths and folding
words = ['w', 'ab', 'word', 'longer', 'x'*20, 'y'*99, 'z'*100, 'q'*101, 'é', '中文字']
rnd = random.Random(20261128)
prefixes = ['', '@', "it's ", 'tab\t', '2026-11-28T17:32:49Z -- ', '"', 'a: ', ' ']
suffixes = ['', ' ', ':', "'", '\t', '\n', ' #']
for n in range(1, 70):
    add(' '.join(['w'] * n)); add(' '.join(['ab'] * n)); add(' '.join(['word'] * n))
for total in range(80, 140):
    for p in prefixes:
        s = p
        while len(s) < total:
            s += rnd.choice(words) + ' '
        s = s.rstrip(' ')
        add(s)
for L in list(range(95, 106)) + list(range(118, 132)) + [200, 250]:
    add('k' * L)
    add('@' + 'k' * (L - 1))
    add("'" + 'k' * (L - 1))
    add('\t' + 'k' * (L - 1))
    s = ''
    while len(s) < L:
        s += 'key '
    add(s[:L].rstrip())
# escapes near the fold point
for pos in range(90, 110):
    base = list('abcd ' * 30)
    for ch in ['\t', '"', '\\', '\x85', '\U0001F600', "'", 'é', '  ']:
        b = base[:]
        b[pos] = ch
        add(''.join(b))
# multi-space runs at the boundary
for pos in range(95, 106):
    s = 'a' * pos + '  ' + 'b' * 10 + ' c'
    add(s); add("'" + s); add('\t' + s)
# random fuzz
alphabet = ['a', 'b', ' ', ' ', "'", '"', ':', '#', '-', '?', '\t', '\n', 'é', '\u2028', '\U0001F600', ',', '[', '\\', '\x00', '\xa0', '!', '0', '1', '.']
for i in range(300):
    L = rnd.choice([1, 2, 3, 5, 8, 20, 50, 90, 100, 110, 130, 200, 260])
    add(''.join(rnd.choice(alphabet) for _ in range(L)))
for i in range(100):
    L = rnd.choice([100, 130, 200, 300])
    add(''.join(rnd.choice(['ab', 'c', ' ', 'word', "'", '\t', 'é']) for _ in range(L)))

# Cases for what changed after 0.17.21 (tests/data/yaml/README.md): a word
# that would pass the width (0.18.13 breaks before it), words longer than the
# width after other words (0.17.22 puts them on a line of their own), the
# width reached exactly, and double-quoted folds next to line breaks, double
# spaces and quotes (0.18.11 and 0.18.12 changed where a fold gets a `\`).
rnd2 = random.Random(20261201)
for k in range(84, 104):
    for m in [1, 2, 5, 12, 30, 101]:
        add('x' * k + ' ' + 'y' * m)
        add('x' * k + ' ' + 'y' * m + ' z')
        add("'" + 'x' * (k - 1) + ' ' + 'y' * m)
        add("it's" + 'x' * (k - 4) + ' ' + 'y' * m + ' z')
        add('@' + 'x' * (k - 1) + '  ' + 'y' * m)
for L in [99, 100, 101, 102, 110, 130]:
    for p in ['a ', 'ab cd ', 'w ' * 20, 'word ' * 18, '@a ', "'a ", "it's "]:
        add(p + 'q' * L)
        add(p + 'q' * L + ' tail')
        add(p + 'q' * L + ' ' + 'r' * L)
for pos in range(84, 112):
    base = list("it's " + 'abcd ' * 30)
    for ins in ['\n', '\n ', ' \n', '\n\n', '  ', '   ', '"', "'", '\t', '\\', ' "', "' ", '\n"', 'a\nb', ' \n ']:
        b = base[:]
        b[pos:pos + 1] = list(ins)
        add(''.join(b))
    b = list('abcd ' * 30)
    for ins in ['  ', '   ', "'", '\t', '\n', '\x00']:
        c = b[:]
        c[pos:pos + 1] = list(ins)
        add(''.join(c))
dq_alphabet = ['a', 'bb', 'word', ' ', ' ', ' ', '\n', "'", '"', '\t', '\\', 'é', '\U0001F600', '  ', ' \n', '\n ']
for i in range(250):
    L = rnd2.choice([90, 100, 110, 130, 160, 200])
    s = "'" + ''.join(rnd2.choice(dq_alphabet) for _ in range(L // 2))
    add(s[:L])
pl_alphabet = ['a', 'bb', 'word', 'x' * 20, 'y' * 60, 'z' * 101, 'é', '中文', '-', ':x']
for i in range(200):
    L = rnd2.choice([95, 100, 105, 130, 160, 220])
    s = rnd2.choice(['', '@', 'tab\t', "o'k ", '2026-11-28T17:32:49Z -- '])
    while len(s) < L:
        s += rnd2.choice(pl_alphabet) + rnd2.choice([' ', ' ', ' ', '  '])
    add(s.rstrip(' '))

out = open(sys.argv[1] + '/emitter_cases.txt', 'wb')
out.write(b'# Golden emitter cases: for each input string S, the reference emitter\'s output for a file whose\n')
out.write(b'# domain name, secret value, public key, owner name and entry, custodian name and pwdkm and only\n')
out.write(b'# audit entry are all S. Format: "case <hex of S in UTF-8> <byte length of the YAML>", then the YAML.\n')
out.write(b'# Written by ruamel.yaml %s (make_emitter_cases.py).\n' % VERSION.encode())
for s in cases:
    y = dump(file_for(s)).encode('utf8')
    out.write(b'case %s %d\n' % ((s.encode('utf8').hex() or '-').encode(), len(y)))
    out.write(y)
print(len(cases), 'cases, ruamel.yaml', VERSION)


# Whole files.
rnd = random.Random(11)
alph = ['a', 'b', ' ', ' ', "'", '"', ':', '#', '-', '?', '\t', '\n', 'é', '\u2028', '\U0001F600', ',', '[', '\\', '\x00', '\xa0', '!', '0', '1', '.', 'T', 'n']
def rs():  # a random string, often one that needs quoting
    mode = rnd.random()
    if mode < 0.3:
        return rnd.choice(['42', 'true', 'null', '', 'yes', '2001-01-01', '1e3', '@x', 'a: b', "it's", 'x' * 130, 'w ' * 70])
    L = rnd.choice([1, 3, 8, 20, 60, 100, 125, 200])
    return ''.join(rnd.choice(alph) for _ in range(L))
def name():
    return rnd.choice('abcXYZ') + ''.join(rnd.choice('ab_-09Z') for _ in range(rnd.randint(0, 12)))
out = open(sys.argv[1] + '/emitter_files.txt', 'wb')
out.write(b'# Random whole files written by the reference emitter. Format: "file <byte length>", then the YAML.\n')
out.write(b'# Written by ruamel.yaml %s (make_emitter_cases.py).\n' % VERSION.encode())
for i in range(150):
    doms = {}
    for _ in range(rnd.randint(0, 4)):
        n = rs()
        if n in ('audit-log', 'key-custodians') or '\x85' in n: continue
        dom = collections.OrderedDict(sorted({'secret-' + name(): rs() for _ in range(rnd.randint(0, 4))}.items()))
        owners = {rs(): rs() for _ in range(rnd.randint(1, 3))}
        dom['meta'] = collections.OrderedDict([('public-key', rs()), ('owners', collections.OrderedDict(sorted(owners.items())))])
        doms[n] = dom
    data = collections.OrderedDict(sorted(doms.items()))
    data['key-custodians'] = collections.OrderedDict(sorted({rs(): {'pwdkm': rs()} for _ in range(rnd.randint(0, 3))}.items(), key=lambda kv: kv[0]))
    data['audit-log'] = [rs() for _ in range(rnd.randint(0, 5))]
    y = dump(data).encode('utf8')
    out.write(b'file %d\n' % len(y))
    out.write(y)
