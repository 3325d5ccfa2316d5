#!/usr/bin/env node
// The Node binding (bindings/node, installed from its npm tarball) against
// the real libmoat.so: policies from JSON and from code, streams,
// violations, kill, bad policies, a pty, an event loop that keeps running,
// the library lookup, the types and the README's example.  Each test runs
// in a fresh directory under /var/tmp and prints "ok - NAME" or
// "not ok - NAME"; the last line is "N passed, N failed".
//   MOAT_LIBRARY=... MOAT_NODE_PACKAGE=.../node_modules/moat-sandbox node test_node.js [README]
'use strict';
const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync, spawnSync } = require('child_process');

const pkg = process.env.MOAT_NODE_PACKAGE;
if (!pkg) {
  console.log('not ok - MOAT_NODE_PACKAGE is not set\n0 passed, 1 failed');
  process.exit(1);
}
const moat = require(pkg);
const README = process.argv[2];
const tests = [];
const test = (name, fn) => tests.push({ name, fn });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function processes(pattern) {
  const r = spawnSync('pgrep', ['-f', pattern], { encoding: 'utf8' });
  return r.stdout.split(/\s+/).filter(Boolean);
}

async function expectNoProcess(pattern) {
  for (let i = 0; i < 40; i++) {
    if (processes(pattern).length === 0) return;
    await sleep(50);
  }
  assert.fail(`a process matching '${pattern}' is still alive`);
}

async function expectRejects(promiseOrFn, Cls, what) {
  try {
    await (typeof promiseOrFn === 'function' ? promiseOrFn() : promiseOrFn);
  } catch (e) {
    assert.ok(e instanceof Cls, `${what}: ${e} is not a ${Cls.name}`);
    return e;
  }
  assert.fail(`${what}: no ${Cls.name}`);
}

function streamText(stream) {
  return new Promise((resolve, reject) => {
    let s = '';
    stream.setEncoding('utf8');
    stream.on('data', (d) => { s += d; });
    stream.on('end', () => resolve(s));
    stream.on('error', reject);
  });
}

// ---- the package ------------------------------------------------------------

test('the_installed_package_is_loaded', async () => {
  const main = require.resolve(pkg);
  assert.ok(main.startsWith(fs.realpathSync(pkg)) || main.startsWith(pkg), `resolved ${main}`);
  assert.ok(fs.existsSync(path.join(pkg, 'build', 'moat.node')),
            'npm install did not compile build/moat.node');
});

test('library_from_moat_library_then_the_system_loader', async () => {
  const code = `const m = require(${JSON.stringify(pkg)});
    try { console.log(new m.Policy().networkMode); }
    catch (e) { console.log(e.name, e.message); }`;
  let out = execFileSync(process.execPath, ['-e', code],
                         { env: { ...process.env, MOAT_LIBRARY: '/nonexistent/libmoat.so.1' },
                           encoding: 'utf8' });
  assert.match(out, /^LibraryError cannot load \/nonexistent\/libmoat\.so\.1 \(from MOAT_LIBRARY\)/);
  const env = { ...process.env, LD_LIBRARY_PATH: path.dirname(process.env.MOAT_LIBRARY) };
  delete env.MOAT_LIBRARY;
  out = execFileSync(process.execPath, ['-e', code], { env, encoding: 'utf8' });
  assert.strictEqual(out.trim(), 'none', 'through the system loader');
});

test('the_types_declare_every_export', async () => {
  const dts = fs.readFileSync(path.join(pkg, 'index.d.ts'), 'utf8');
  const declared = [...dts.matchAll(/^export (?:class|function) (\w+)/gm)].map((m) => m[1]).sort();
  assert.deepStrictEqual(declared, Object.keys(moat).sort());
  const sandboxMethods = Object.getOwnPropertyNames(moat.Sandbox.prototype)
    .filter((n) => n !== 'constructor' && !n.startsWith('_'));
  for (const m of sandboxMethods) assert.match(dts, new RegExp(`^  ${m}\\(`, 'm'), `Sandbox.${m}`);
  const policyMethods = Object.getOwnPropertyNames(moat.Policy.prototype)
    .filter((n) => n !== 'constructor' && !n.startsWith('_'));
  for (const m of policyMethods) assert.match(dts, new RegExp(`^  (readonly )?${m}\\b`, 'm'), `Policy.${m}`);
});

// ---- policies ---------------------------------------------------------------

test('a_policy_file_runs_a_command_and_reads_its_stdout', async (work) => {
  fs.mkdirSync(`${work}/w`);
  const file = `${work}/policy.json`;
  fs.writeFileSync(file, JSON.stringify({ filesystem: { allowWrite: ['w'] }, network: { mode: 'none' } }));
  const policy = moat.Policy.fromFile(file);
  const script = `echo hello > ${work}/w/out && cat ${work}/w/out; echo no > ${work}/outside || echo refused`;
  const sb = await moat.spawn(policy, ['sh', '-c', script], { stdio: ['ignore', 'pipe', 'ignore'] });
  const out = await streamText(sb.stdout);
  assert.strictEqual(await sb.wait(), 0);
  sb.close();
  assert.strictEqual(out, 'hello\nrefused\n');
  assert.ok(fs.existsSync(`${work}/w/out`), 'the allowed write did not land');
  assert.ok(!fs.existsSync(`${work}/outside`), 'a write outside allowWrite landed');
});

test('a_policy_built_in_code_hides_denied_files', async (work) => {
  fs.writeFileSync(`${work}/secret`, 'the-secret\n');
  const policy = moat.Policy.fromObject({ filesystem: { denyRead: [`${work}/secret`] } });
  const sb = await moat.spawn(policy, ['sh', '-c', `cat ${work}/secret; echo end`]);
  const { status, stdout } = await sb.output();
  sb.close();
  assert.strictEqual(stdout.toString(), 'end\n', 'the secret must not show');
  assert.strictEqual(status, 0);
  assert.strictEqual(await moat.run(policy, ['sh', '-c', 'exit 7']), 7, "run()'s status");
});

test('streams_line_by_line_both_ways', async () => {
  const sb = await moat.spawn(new moat.Policy(),
                              ['sh', '-c', 'while read l; do echo "<$l>"; done; echo bye >&2']);
  const lines = require('readline').createInterface({ input: sb.stdout });
  const it = lines[Symbol.asyncIterator]();
  sb.stdin.write('one\n');
  assert.deepStrictEqual(await it.next(), { value: '<one>', done: false });
  sb.stdin.end('two\n');
  assert.deepStrictEqual(await it.next(), { value: '<two>', done: false });
  assert.strictEqual((await it.next()).done, true);
  assert.strictEqual(await streamText(sb.stderr), 'bye\n');
  assert.strictEqual(await sb.wait(), 0);
  sb.close();
});

test('output_writes_input_and_reads_both', async () => {
  const sb = await moat.spawn(new moat.Policy(), ['sh', '-c', 'cat; echo err >&2; exit 5']);
  const big = Buffer.alloc(300000, 'x'); // more than a pipe holds, both ways
  const r = await sb.output(big);
  sb.close();
  assert.strictEqual(r.stdout.length, big.length);
  assert.strictEqual(r.stderr.toString(), 'err\n');
  assert.strictEqual(r.status, 5);
});

test('env_is_what_pass_env_picks_from', async () => {
  const policy = moat.Policy.fromObject({ process: { passEnv: ['MOAT_JS_A'] } });
  const sb = await moat.spawn(policy, ['sh', '-c', 'echo "$MOAT_JS_A/$MOAT_JS_B"'],
                              { env: { MOAT_JS_A: 'a', MOAT_JS_B: 'b' } });
  assert.strictEqual((await sb.output()).stdout.toString(), 'a/\n');
  sb.close();
});

test('a_bad_policy_file_names_file_line_column_and_json_path', async (work) => {
  const file = `${work}/bad.json`;
  fs.writeFileSync(file, '{\n  "network": {\n    "mode": "everywhere"\n  }\n}\n');
  const e = await expectRejects(() => moat.Policy.fromFile(file), moat.PolicyError, 'bad mode');
  assert.ok(e.message.startsWith(`${file}:3:`), e.message);
  assert.match(e.message, /:3:\d+: \$\.network\.mode: /);
  assert.ok(e instanceof moat.MoatError);
  assert.strictEqual(e.errno, 22);
});

test('a_bad_policy_object_names_the_json_path', async () => {
  let e = await expectRejects(() => moat.Policy.fromObject({ filesystem: { allowWrite: 'w' } }),
                              moat.PolicyError, 'allowWrite as a string');
  assert.ok(e.message.startsWith('<object>:3:') && e.message.includes('$.filesystem.allowWrite'),
            e.message);
  e = await expectRejects(() => moat.Policy.fromJSON('{"network": '), moat.PolicyError, 'truncated');
  assert.ok(e.message.startsWith('<json>:1:'), e.message);
});

test('finalize_refuses_what_cannot_be_enforced_and_warns', async () => {
  const p = moat.Policy.fromObject({ network: { mode: 'host', deny: ['example.com'] } });
  const e = await expectRejects(() => p.finalize(), moat.PolicyError, 'deny in mode host');
  assert.ok(e.message.includes('$.network.deny'), e.message);
  await expectRejects(moat.spawn(p, ['true']), moat.PolicyError, 'spawn finalizes');
  const q = moat.Policy.fromObject({ network: { mode: 'none', allow: ['example.com'] } }).finalize();
  assert.ok(q.warnings.some((w) => w.includes('$.network.allow') && w.includes('no effect')),
            q.warnings.join('\n'));
});

test('to_json_is_the_effective_policy', async () => {
  const p = moat.Policy.fromObject({ network: { mode: 'proxy', allow: ['example.com'] } }).finalize();
  assert.strictEqual(p.networkMode, 'proxy');
  const d = p.toJSON();
  assert.strictEqual(d.network.mode, 'proxy');
  assert.ok(d.network.allow.includes('example.com'));
  assert.deepStrictEqual(JSON.parse(JSON.stringify(p)), d, 'JSON.stringify(policy)');
  assert.deepStrictEqual(moat.Policy.fromJSON(p.toJSONText()).finalize().toJSON(), d);
});

test('a_policy_in_use_cannot_change', async () => {
  const p = new moat.Policy();
  const sb = await moat.spawn(p, ['sleep', '313.4'], { stdio: 'ignore' });
  const e = await expectRejects(() => p.loadObject({ network: { mode: 'proxy' } }), moat.MoatError,
                                'changing a policy a sandbox runs under');
  assert.strictEqual(e.errno, os.constants.errno.EBUSY);
  sb.close();
  p.loadObject({ network: { mode: 'proxy' } });
  assert.strictEqual(p.networkMode, 'proxy');
  await expectNoProcess('sleep 313.4');
});

// ---- violations ------------------------------------------------------------

test('a_violation_reaches_the_event_the_iterator_the_callback_and_the_log', async (work) => {
  fs.mkdirSync(`${work}/w`);
  const policy = moat.Policy.fromObject({ filesystem: { allowWrite: [`${work}/w`] } });
  const fromCallback = [];
  const sb = await moat.spawn(policy, ['sh', '-c', `echo x > ${work}/w/.bashrc; exit 0`],
                              { stdio: 'ignore', log: `${work}/log.jsonl`,
                                onViolation: (v) => fromCallback.push(v) });
  const fromEvents = [];
  sb.on('violation', (v) => fromEvents.push(v));
  const fromIterator = [];
  for await (const v of sb.violations()) fromIterator.push(v);
  assert.strictEqual(await sb.wait(), 0);
  sb.close();
  assert.strictEqual(fromCallback.length, 1, JSON.stringify(fromCallback));
  const v = fromCallback[0];
  assert.strictEqual(v.kind, 'file');
  assert.strictEqual(v.destination, `${work}/w/.bashrc`);
  assert.ok(v.reason.includes('.bashrc'), v.reason);
  assert.deepStrictEqual(fromIterator, fromCallback, 'the iterator');
  assert.deepStrictEqual(fromEvents, fromCallback, 'the events');
  assert.deepStrictEqual(sb.violationLog, fromCallback, 'violationLog');
  const logged = fs.readFileSync(`${work}/log.jsonl`, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.deepStrictEqual(logged, fromCallback, 'the log file');
  assert.ok(!fs.existsSync(`${work}/w/.bashrc`), '.bashrc was created');
});

// ---- running -----------------------------------------------------------------

test('kill_a_running_command', async () => {
  let sb = await moat.spawn(new moat.Policy(), ['sleep', '313.5'], { stdio: 'ignore' });
  assert.ok(sb.pid > 0);
  assert.strictEqual(sb.status, null);
  let exited = null;
  sb.on('exit', (status) => { exited = status; });
  assert.strictEqual(sb.kill('SIGTERM'), true);
  assert.strictEqual(await sb.wait(), 128 + os.constants.signals.SIGTERM);
  assert.strictEqual(exited, 143, "the 'exit' event");
  assert.strictEqual(sb.kill(), false, 'kill after the end');
  sb.close();
  sb = await moat.spawn(new moat.Policy(), ['sleep', '313.5'], { stdio: 'ignore' });
  sb.kill();
  assert.strictEqual(await sb.wait(), 128 + os.constants.signals.SIGKILL);
  sb.close();
  sb = await moat.spawn(new moat.Policy(), ['sleep', '313.5'], { stdio: 'ignore' });
  sb.close(); // kills what runs
  await expectRejects(sb.wait(), moat.MoatError, 'wait() after close()');
  await expectNoProcess('sleep 313.5');
});

test('the_event_loop_runs_while_sandboxes_run', async () => {
  let ticks = 0;
  const timer = setInterval(() => { ticks++; }, 10);
  const started = Date.now();
  const all = await Promise.all([0, 1, 2, 3, 4, 5].map(async (i) => {
    const sb = await moat.spawn(new moat.Policy(), ['sh', '-c', `sleep 0.4; echo ${i}; exit ${i}`]);
    const r = await sb.output();
    sb.close();
    return [r.stdout.toString(), r.status];
  }));
  clearInterval(timer);
  assert.deepStrictEqual(all, [0, 1, 2, 3, 4, 5].map((i) => [`${i}\n`, i]));
  // Not a timing assertion on moat: the timer only has to have run at all
  // while the sandboxes slept (a blocked loop would not tick).
  assert.ok(ticks >= 5, `the loop ticked ${ticks} times in ${Date.now() - started} ms`);
});

test('stdin_eof_reaches_each_of_two_sandboxes', async () => {
  const p = new moat.Policy();
  const a = await moat.spawn(p, ['sh', '-c', 'cat; echo eof']);
  const b = await moat.spawn(p, ['sh', '-c', 'cat; echo eof']);
  const ra = await a.output('first\n');
  assert.deepStrictEqual([ra.stdout.toString(), ra.status], ['first\neof\n', 0]);
  assert.strictEqual(b.status, null, 'the second still runs');
  const rb = await b.output('second\n');
  assert.deepStrictEqual([rb.stdout.toString(), rb.status], ['second\neof\n', 0]);
  a.close();
  b.close();
});

test('a_command_that_cannot_be_executed_is_127_with_the_reason', async () => {
  const sb = await moat.spawn(new moat.Policy(), ['/nonexistent/command']);
  assert.strictEqual(await sb.wait(), 127);
  assert.strictEqual(sb.execError, 'cannot execute /nonexistent/command: No such file or directory');
  sb.close();
});

test('a_setup_failure_rejects_with_a_setup_error', async () => {
  const fd = fs.openSync('/dev/null', 'r');
  fs.closeSync(fd);
  const e = await expectRejects(moat.spawn(new moat.Policy(), ['true'], { passFds: [fd] }),
                                moat.SetupError, 'a closed descriptor to pass');
  assert.ok(e.message.includes(`descriptor ${fd}`) && e.message.includes('not open'), e.message);
  assert.strictEqual(e.errno, os.constants.errno.EBADF);
});

test('a_pty_with_a_window_size_and_a_resize', async () => {
  let sb = await moat.spawn(new moat.Policy(), ['sh', '-c', 'tty; stty size'],
                            { pty: { rows: 33, cols: 99 } });
  let r = await sb.output();
  sb.close();
  assert.strictEqual(r.stdout.toString().replace(/\r/g, ''), '/dev/pts/0\n33 99\n');
  sb = await moat.spawn(new moat.Policy(), ['sh', '-c', 'read x; stty size; echo "got $x"'],
                        { pty: true });
  sb.resize(40, 100);
  sb.pty.write('typed\n');
  r = await sb.output();
  sb.close();
  assert.ok(r.stdout.toString().includes('40 100\r\ngot typed\r\n'), JSON.stringify(r.stdout.toString()));
  sb = await moat.spawn(new moat.Policy(), ['true'], { stdio: 'ignore' });
  const e = await expectRejects(() => sb.resize(1, 1), moat.MoatError, 'resize without a pty');
  assert.strictEqual(e.errno, os.constants.errno.ENOTTY);
  await sb.wait();
  sb.close();
});

test('the_readme_example_runs', async (work) => {
  assert.ok(README, 'no README given');
  const blocks = [...fs.readFileSync(README, 'utf8').matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);
  assert.strictEqual(blocks.length, 1, 'js examples in the README');
  fs.writeFileSync(`${work}/example.js`, blocks[0]);
  const r = spawnSync(process.execPath, [`${work}/example.js`], {
    cwd: work, encoding: 'utf8', timeout: 60000,
    env: { ...process.env, NODE_PATH: path.dirname(pkg) },
  });
  assert.strictEqual(r.status, 0, r.stderr);
  assert.ok(r.stdout.includes('hello status 2'), r.stdout);
  assert.ok(r.stdout.includes(`denied: file ${work}/.bashrc`), r.stdout);
});

(async () => {
  let who;
  try {
    who = os.userInfo().username;
  } catch (e) {
    who = String(process.getuid());
  }
  let passed = 0;
  let failed = 0;
  for (const t of tests) {
    const work = fs.mkdtempSync(path.join(process.env.MOAT_TEST_DIR || '/var/tmp', 'moat-e2e.node.'));
    try {
      await t.fn(work);
      passed++;
      console.log(`ok - ${t.name} (node, ${who})`);
    } catch (e) {
      failed++;
      console.log(`not ok - ${t.name} (node, ${who})`);
      console.log(String(e && e.stack ? e.stack : e).split('\n').slice(0, 12).map((l) => `    ${l}`).join('\n'));
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  }
  console.log(`node binding (${who}): ${passed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
})();
