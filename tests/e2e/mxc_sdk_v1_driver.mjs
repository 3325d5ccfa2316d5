// The real client of libmxc_ffi: @microsoft/mxc-sdk 1.0.1's public v1 API
// (run, spawn, spawnWithPty), installed in argv[2], loading the library
// from $MXC_FFI_DIR exactly as it loads mxc's own.  One scenario per call
// (argv[3], argument argv[4]); prints one JSON object per fact for
// tests/e2e/test_mxc_sdk.sh.
//
// Node: SDK 1.0.1 asks for Node 24 (package.json "engines", advisory), and
// its spawn() checks process.versions.node >= 24.0.0 before it builds its
// stdio streams (dist/bindings/native-stdio.js), while run() and
// spawnWithPty() check nothing.  Debian's Node is 20, whose net.Socket
// adopts the pipe descriptors those streams are made of just the same:
// the scenarios below stream through them and pass, with mxc's own library
// too.  So the check is told 24.0.0 here, and nothing else is changed.
Object.defineProperty(process.versions, 'node', { value: '24.0.0' });

const [sdkDir, scenario, arg] = process.argv.slice(2);
const sdk = await import(`${sdkDir}/node_modules/@microsoft/mxc-sdk/dist/v1/index.js`);
const say = (o) => console.log(JSON.stringify(o));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Collect a stream's text as it comes; until(re) waits for it to match.
function collect(stream) {
    const c = { text: '' };
    stream.on('data', (d) => { c.text += d; });
    c.until = async (re, ms = 10000) => {
        for (const end = Date.now() + ms; Date.now() < end; await sleep(20))
            if (re.test(c.text)) return true;
        return false;
    };
    return c;
}

const scenarios = {
    // run(): captured output, the status, warnings.
    async run() {
        say(await sdk.run({ command: 'echo out; echo err >&2; exit 3' }));
    },
    async 'run-timeout'() {
        const start = Date.now();
        const r = await sdk.run({ command: 'sleep 300', timeoutMs: 300 });
        say({ ...r, quick: Date.now() - start < 10000 });
    },
    // A request given as JSON in arg (filesystem, network, environment...).
    async 'run-request'() {
        say(await sdk.run(JSON.parse(arg)));
    },
    // A request the loader refuses: the SDK's typed error, moat's message.
    async refused() {
        try {
            await sdk.run(JSON.parse(arg));
            say({ refused: false });
        } catch (e) {
            say({ refused: true, name: e.name, code: e.code, message: e.message,
                  details: e.details, isMxcError: e instanceof sdk.MxcError });
        }
    },
    // spawn(): a conversation through stdin and stdout, line by line.
    async stream() {
        const p = await sdk.spawn({
            command: 'while read l; do echo "got $l"; [ "$l" = bye ] && break; done; echo fin >&2; exit 6' });
        const out = collect(p.standardOutput), err = collect(p.standardError);
        p.standardInput.write('one\n');
        const first = await out.until(/got one\n/);
        // The second line is written only after the first came back.
        p.standardInput.write('two\n');
        const second = await out.until(/got two\n/);
        p.standardInput.end('bye\n');
        const end = await p.wait();
        say({ first, second, stdout: out.text, stderr: err.text, ...end, id: p.id > 0 });
        p.dispose();
    },
    // spawn() then kill(): the sandbox ends at once, reported as killed.
    async kill() {
        const p = await sdk.spawn({ command: 'echo started; sleep 300' });
        const out = collect(p.standardOutput);
        const started = await out.until(/started/);
        const start = Date.now();
        p.kill();
        const end = await p.wait();
        say({ started, ...end, quick: Date.now() - start < 5000 });
        p.dispose();
    },
    // spawn() with the SDK's own deadline: kill_for_timeout.
    async 'spawn-timeout'() {
        const p = await sdk.spawn({ command: 'sleep 300', timeoutMs: 400 });
        say(await p.wait());
        p.dispose();
    },
    // spawn(): its warnings, where this SDK can take them (stderr).
    async 'spawn-warnings'() {
        const p = await sdk.spawn(JSON.parse(arg));
        const before = p.warnings;
        const out = collect(p.standardOutput), err = collect(p.standardError);
        const end = await p.wait();
        say({ before, after: p.warnings, stdout: out.text, stderr: err.text, ...end });
        p.dispose();
    },
    // spawnWithPty(): a terminal of the size asked, resized, typed into.
    async pty() {
        const t = await sdk.spawnWithPty(
            { command: 'tty; stty size; read l; echo "got $l"; stty size; exit 2' },
            { size: { rows: 33, columns: 99 } });
        const out = collect(t.output);
        const sized = await out.until(/33 99/);
        t.resize({ rows: 44, columns: 111 });
        t.input.write('hello\r');
        const resized = await out.until(/44 111/);
        const end = await t.wait();
        say({ sized, resized, output: out.text.replace(/\r/g, ''), ...end });
        t.dispose();
    },
    // spawnWithPty(): closing the input ends cat (the terminal's EOF).
    async 'pty-eof'() {
        const t = await sdk.spawnWithPty({ command: 'cat; echo cat-ended' });
        const out = collect(t.output);
        t.input.end('some text\n');
        const ended = await out.until(/cat-ended/);
        say({ ended, ...(await t.wait()) });
        t.dispose();
    },
};

if (!scenarios[scenario]) {
    console.error(`unknown scenario ${scenario}`);
    process.exit(2);
}
await scenarios[scenario]();
