// The real srt's verdict on settings files, from its own loader and schema
// (dist/utils/config-loader.js of the installed package): one line per file,
// "ok FILE" or "invalid FILE: REASON".
//   node schema_verdict.mjs PACKAGE_DIR FILE...
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

const [pkg, ...files] = process.argv.slice(2);
const { loadConfig } = await import(pathToFileURL(join(pkg, 'dist/utils/config-loader.js')));
for (const f of files) {
    const r = loadConfig(f);
    console.log(r.kind === 'ok' ? `ok ${f}` : `invalid ${f}: ${r.kind} ${r.reason ?? ''}`);
}
