// The #479 report's driver, against the SDK installed in argv[2]: spawn the
// config in argv[3] with spawnSandboxFromConfig (no pty), print the child's
// stdout, its stderr, then "exit CODE".
const [sdkDir, configJson] = process.argv.slice(2);
const { spawnSandboxFromConfig } = await import(
    `${sdkDir}/node_modules/@microsoft/mxc-sdk/dist/index.js`);
const child = spawnSandboxFromConfig(JSON.parse(configJson), { usePty: false });
let out = '', err = '';
child.stdout.on('data', (d) => { out += d; });
child.stderr.on('data', (d) => { err += d; });
child.on('close', (code) => {
    process.stdout.write(out);
    process.stderr.write(err);
    console.log(`exit ${code}`);
});
