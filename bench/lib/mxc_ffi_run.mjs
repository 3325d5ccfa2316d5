// One round of bench/mxc_ffi.sh: @microsoft/mxc-sdk 1.0.1's run() of a
// request, in this process, with whichever libmxc_ffi.so the SDK loads
// ($MXC_FFI_DIR, else the package's own bin/x64).  WARMUP untimed runs,
// then RUNS timed ones, each from the call to the resolved result.  Every
// run must end with exit code 0 and no output, or the round fails.
// Prints one JSON line: {"ms": [...], "warnings": [...] (the first
// run's), "library": the libmxc_ffi.so this process has mapped}.  On an error: {"error": {code, message, details}}, exit 1.
//   node mxc_ffi_run.mjs SDK_DIR REQUEST_JSON WARMUP RUNS
//
// SDK 1.0.1 asks for Node 24 (advisory) and only spawn() checks the
// version; run() checks nothing.  Nothing is changed here.
import { readFileSync } from 'node:fs';

const [sdkDir, requestJson, warmup, runs] = process.argv.slice(2);
const sdk = await import(`${sdkDir}/node_modules/@microsoft/mxc-sdk/dist/v1/index.js`);
const request = JSON.parse(requestJson);

async function once() {
    const start = process.hrtime.bigint();
    const r = await sdk.run(request);
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (r.exitCode !== 0 || r.timedOut || r.stdout !== '' || r.stderr !== '')
        throw Object.assign(new Error(`unexpected result: ${JSON.stringify(r)}`),
                            { code: 'bench_unexpected_result' });
    return { ms, warnings: r.warnings };
}

try {
    let warnings = null;
    for (let i = 0; i < Number(warmup); i++)
        warnings ??= (await once()).warnings;
    const ms = [];
    for (let i = 0; i < Number(runs); i++) {
        const r = await once();
        warnings ??= r.warnings;
        ms.push(r.ms);
    }
    const library = readFileSync('/proc/self/maps', 'utf8').split('\n')
        .map((l) => l.split(/\s+/)[5]).find((f) => f && f.endsWith('/libmxc_ffi.so'));
    console.log(JSON.stringify({ ms, warnings, library }));
} catch (e) {
    console.log(JSON.stringify({ error: { code: e.code, message: e.message, details: e.details } }));
    process.exit(1);
}
