#!/usr/bin/env python3
"""Regenerates the EVTX golden files (test/fixtures/evtx/golden/) with libyal's evtxexport, independently of our reader.

Not run by the tests: run it by hand when an EVTX fixture is added, and commit what it writes. See
test/fixtures/evtx/golden/README.md for what the goldens hold and how the test reads them.

    python3 scripts/evtx-golden.py                       # every EVTX fixture in test/fixtures/evtx
    python3 scripts/evtx-golden.py --out DIR FILE...     # given files (.evtx or gzipped .evtx.gz)

Needs `evtxexport` (Debian/Ubuntu package libevtx-utils; the goldens were made with 20181227). For each file it runs
`evtxexport -f xml <file>`, splits stdout into <Event> elements, parses each with Python's xml.etree and writes JSON
lines: a header (record count, EventRecordIDs in output order, tool version) and one line per Sysmon EID 1 record with
its EventRecordID, Computer and every EventData <Data Name=…> pair in document order, values exactly as evtxexport
rendered them (so HexInt32/64 values keep libevtx's zero padding).
"""
import argparse
import gzip
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.normpath(os.path.join(HERE, '..', 'test', 'fixtures', 'evtx'))
NS = '{http://schemas.microsoft.com/win/2004/08/events/event}'
SYSMON = 'Microsoft-Windows-Sysmon'
# Goldens larger than this are written gzipped (gzip -9, no name or time in the header, so reruns are byte-identical).
GZIP_ABOVE = 32 * 1024
# Characters XML 1.0 forbids, which evtxexport writes raw (security_bad_string_cache.evtx has a 0x03 value): parsed via
# a private-use stand-in and put back afterwards. A raw CR would be normalised to LF by any XML parser, so it is kept
# as a character reference.
INVALID_XML = re.compile('[\x00-\x08\x0b\x0c\x0e-\x1f]')
STAND_IN = '\ue000'


def tool_version():
    out = subprocess.run(['evtxexport', '-V'], capture_output=True, text=True).stdout
    return out.strip().splitlines()[0]


def parse_event(block):
    hidden = []

    def hide(m):
        hidden.append(m.group(0))
        return STAND_IN
    text = INVALID_XML.sub(hide, block.replace('\r', '&#13;'))
    if STAND_IN in block:
        raise ValueError('the stand-in character occurs in the input')
    root = ET.fromstring(text)
    restore = iter(hidden)

    def put_back(value):
        return re.sub(STAND_IN, lambda _m: next(restore), value) if value else (value or '')
    return root, put_back


def golden(path, name):
    raw = open(path, 'rb').read()
    data = gzip.decompress(raw) if path.endswith('.gz') else raw
    with tempfile.NamedTemporaryFile(suffix='.evtx') as tmp:
        tmp.write(data)
        tmp.flush()
        run = subprocess.run(['evtxexport', '-f', 'xml', tmp.name], capture_output=True)
    out = run.stdout.decode('utf-8')
    blocks = re.findall(r'<Event xmlns=.*?</Event>', out, re.S)
    ids, eid1 = [], []
    for block in blocks:
        root, put_back = parse_event(block)
        system = root.find(NS + 'System')
        ids.append(int(system.findtext(NS + 'EventRecordID')))
        provider = system.find(NS + 'Provider').get('Name')
        if provider != SYSMON or system.findtext(NS + 'EventID') != '1':
            continue
        pairs = [[d.get('Name'), put_back(d.text)] for d in root.find(NS + 'EventData').findall(NS + 'Data')]
        eid1.append({'EventRecordID': system.findtext(NS + 'EventRecordID'), 'Computer': put_back(system.findtext(NS + 'Computer')), 'EventData': pairs})
    header = {
        'file': name,
        'sha256': hashlib.sha256(data).hexdigest(),
        'producer': tool_version() + ' -f xml',
        'exitCode': run.returncode,
        'stderr': run.stderr.decode('utf-8', 'replace').strip().splitlines()[:1],
        'records': len(blocks),
        'recordIds': ids,
        'sysmonEid1': len(eid1),
    }
    lines = [json.dumps(header, ensure_ascii=False)] + [json.dumps(e, ensure_ascii=False) for e in eid1]
    return ('\n'.join(lines) + '\n').encode('utf-8')


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', default=os.path.join(FIXTURES, 'golden'))
    parser.add_argument('files', nargs='*')
    args = parser.parse_args()
    files = args.files or sorted(
        os.path.join(FIXTURES, f) for f in os.listdir(FIXTURES) if f.endswith('.evtx') or f.endswith('.evtx.gz')
    )
    os.makedirs(args.out, exist_ok=True)
    for path in files:
        name = os.path.basename(path)
        body = golden(path, name)
        target = os.path.join(args.out, re.sub(r'\.gz$', '', name) + '.golden.jsonl')
        for stale in (target, target + '.gz'):
            if os.path.exists(stale):
                os.remove(stale)
        if len(body) > GZIP_ABOVE:
            target += '.gz'
            body = gzip.compress(body, compresslevel=9, mtime=0)
        with open(target, 'wb') as f:
            f.write(body)
        print(f'{target}: {len(body)} bytes', file=sys.stderr)


if __name__ == '__main__':
    main()
