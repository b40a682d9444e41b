# Summarises a JFR recording of bench/host.sh data-plane (KEYWARD_BENCH_JFR=f.jfr): CPU samples under DataPlaneService.query
# and .ingest by callee, and the encryption's own frames. Usage: jfr print --events jdk.ExecutionSample --stack-depth 64 f.jfr > f.txt; python3 bench/dataplane-profile.py f.txt
import re, sys, collections
evs = open(sys.argv[1]).read().split('jdk.ExecutionSample {')[1:]
total = 0
by = {m: collections.Counter() for m in ('query', 'ingest')}
n = collections.Counter()
crypto = collections.Counter()
for e in evs:
    frames = [f.split('(')[0] for f in re.findall(r'^\s+([\w$.<>]+\(.*?\))\s+line:', e, re.M)]
    if not frames:
        continue
    total += 1
    for i, f in enumerate(frames):
        for m in by:
            if f.endswith('DataPlaneService.' + m):
                n[m] += 1
                by[m][' < '.join(frames[max(0, i - 1):i]) or '(self)'] += 1
                break
        else:
            continue
        break
    s = ' '.join(frames)
    for k in ('Envelope.open', 'Envelope.seal'):
        if 'io.keyward.hsm.envelope.' + k in s:
            crypto[k] += 1
print('execution samples, all threads: %d' % total)
for m in by:
    print('DataPlaneService.%s: %d samples; by callee:' % (m, n[m]))
    for k, v in by[m].most_common(8):
        print('  %5.1f %%  %s' % (100.0 * v / max(1, n[m]), k))
for k in ('Envelope.open', 'Envelope.seal'):
    print('%s (AES-GCM, HKDF, claims): %d samples, %.1f %% of %s' % (k, crypto[k], 100.0 * crypto[k] / max(1, n['query' if k.endswith('open') else 'ingest']), 'query' if k.endswith('open') else 'ingest'))
