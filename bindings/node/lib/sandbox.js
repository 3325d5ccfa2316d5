'use strict';
// A running sandbox (spawn, Sandbox) and run() on top of it.  Node's own
// loop serves it: a libuv poll handle on the sandbox's event descriptor
// calls moat_sandbox_try_wait, which never blocks; moat_spawn itself runs on
// libuv's thread pool.  Violation lines libmoat reports are queued by the
// native half and emitted here, after the C call returned.
const { EventEmitter } = require('events');
const net = require('net');
const os = require('os');
const util = require('util');
const native = require('./native');
const { MoatError, SetupError, typed } = require('./errors');
const { Policy } = require('./policy');
const { PtyStream } = require('./pty');

const ESRCH = 3;
const ENOTTY = 25;
const ECANCELED = 125;

function stdioValue(spec, name) {
  if (spec === 'pipe') return native.STDIO_PIPE;
  if (spec === 'inherit' || spec === null) return native.STDIO_INHERIT;
  if (spec === 'ignore') return native.STDIO_NULL;
  if (Number.isInteger(spec) && spec >= 0) return spec;
  if (spec && Number.isInteger(spec.fd) && spec.fd >= 0) return spec.fd; // a FileHandle, a stream
  throw new TypeError(`${name}: expected 'pipe', 'inherit', 'ignore', a descriptor or ` +
                      `an object with an fd, not ${util.inspect(spec)}`);
}

function stdioSpec(stdio, dflt) {
  const s = stdio === undefined ? dflt : stdio;
  const three = Array.isArray(s) ? s : [s, s, s];
  if (three.length !== 3) throw new TypeError('stdio: expected one value or three');
  return three.map((v, i) => stdioValue(v === undefined ? dflt : v, ['stdin', 'stdout', 'stderr'][i]));
}

function nativeOptions(options, dflt) {
  let pty = null;
  if (options.pty) {
    pty = options.pty === true ? [0, 0] : [options.pty.rows | 0, options.pty.cols | 0];
  }
  let env = null;
  if (options.env) {
    env = Object.entries(options.env).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`);
  }
  const passFds = Array.from(options.passFds || [], Number);
  for (const fd of passFds) {
    if (!Number.isInteger(fd) || fd < 3) {
      throw new TypeError(`passFds: ${fd}: each must be a descriptor of 3 or more`);
    }
  }
  return { stdio: stdioSpec(options.stdio, dflt), pty, env, passFds,
           log: options.log == null ? null : String(options.log) };
}

function signalNumber(sig) {
  if (Number.isInteger(sig)) return sig;
  const n = os.constants.signals[sig];
  if (!n) throw new TypeError(`unknown signal ${util.inspect(sig)}`);
  return n;
}

function errnoName(code) {
  try {
    return util.getSystemErrorName(code);
  } catch (e) {
    return String(code);
  }
}

/**
 * A command running in a sandbox; made by spawn().  Emits 'violation' with
 * each violation as an object, and 'exit' with (status, error) once the
 * command has finished.  stdin, stdout and stderr are streams for what was
 * 'pipe'; pty is the pseudo-terminal's master (a Duplex) when one was asked
 * for.
 */
class Sandbox extends EventEmitter {
  constructor(handle, policy, options) {
    super();
    this._n = native.load();
    this._h = handle;
    this._policy = policy; // the sandbox reads it while it runs
    this._onViolation = typeof options.onViolation === 'function' ? options.onViolation : null;
    this._done = false;
    this._closed = false;
    this._wakers = [];
    /** The command's status once finished, else null. */
    this.status = null;
    /** Why the command could not be executed (status 126 or 127), else null. */
    this.execError = null;
    /** A SetupError when the sandbox failed after it was spawned, else null. */
    this.error = null;
    /** Every violation so far, in order. */
    this.violationLog = [];
    /** The sandbox init's pid. */
    this.pid = this._n.pid(handle);
    this._finished = new Promise((resolve, reject) => {
      this._resolve = resolve;
      this._reject = reject;
    });
    this._finished.catch(() => {}); // wait() reports it; no unhandled rejection

    const take = (which) => this._n.fd(handle, which, 1);
    let fd = take(native.FD_STDIN);
    this.stdin = fd >= 0 ? new net.Socket({ fd, readable: false, writable: true }) : null;
    fd = take(native.FD_STDOUT);
    this.stdout = fd >= 0 ? new net.Socket({ fd, readable: true, writable: false }) : null;
    fd = take(native.FD_STDERR);
    this.stderr = fd >= 0 ? new net.Socket({ fd, readable: true, writable: false }) : null;
    if (this.stdin) {
      // A command may exit without reading all its input: the EPIPE that
      // makes is no reason to crash the caller.  Other errors stay errors.
      this.stdin.on('error', (e) => {
        if (e.code !== 'EPIPE' && this.stdin.listenerCount('error') === 1) throw e;
      });
    }
    fd = this._n.fd(handle, native.FD_PTY, 0);
    this.pty = fd >= 0 ? new PtyStream(this._n.dupNonblocking(fd)) : null;

    this._watch = this._n.watch(this._n.fd(handle, native.FD_EVENTS, 0), native.READABLE,
                                () => this._serve());
    process.nextTick(() => this._serve()); // what came while it started
  }

  _serve() {
    if (this._done) return;
    const r = this._n.tryWait(this._h);
    const fresh = r.violations.map((line) => JSON.parse(line));
    this.violationLog.push(...fresh);
    if (r.done) {
      this._done = true;
      this._n.unwatch(this._watch);
      this._watch = null;
      if (r.error) {
        this.error = new SetupError(r.error.message, r.error.code);
        this._reject(this.error);
      } else {
        this.status = r.status;
        this.execError = r.execError;
        this._resolve(r.status);
      }
    }
    if (fresh.length || r.done) this._wake();
    if (r.lost) process.emitWarning('moat: violation reports were lost (out of memory)');
    for (const v of fresh) {
      if (this._onViolation) this._onViolation(v);
      this.emit('violation', v);
    }
    if (r.done) this.emit('exit', this.status, this.error);
  }

  _wake() {
    const w = this._wakers;
    this._wakers = [];
    for (const f of w) f();
  }

  /** The status once the command has finished (rejects with SetupError). */
  wait() {
    return this._finished;
  }

  /**
   * Read stdout and stderr (or the pty) to their end and wait: resolves
   * { status, stdout, stderr } (Buffers; null for what is not a pipe).
   * input, when given, is written to stdin first; stdin is then closed.
   */
  async output(input) {
    if (this.stdin && !this.stdin.destroyed) {
      if (input != null) this.stdin.end(input);
      else this.stdin.end();
    } else if (input != null) {
      throw new TypeError('input given, but stdin is not a pipe');
    }
    const collect = (s) => {
      if (!s) return Promise.resolve(null);
      return new Promise((resolve) => {
        const chunks = [];
        s.on('data', (c) => chunks.push(c));
        s.on('end', () => resolve(Buffer.concat(chunks)));
        s.on('close', () => resolve(Buffer.concat(chunks)));
      });
    };
    const [stdout, stderr, status] = await Promise.all(
      [collect(this.pty || this.stdout), collect(this.pty ? null : this.stderr), this.wait()]);
    return { status, stdout, stderr };
  }

  /**
   * Each violation as an object, from the first one on, as it happens;
   * ends when the command has finished.
   */
  async *violations() {
    let i = 0;
    for (;;) {
      while (i < this.violationLog.length) yield this.violationLog[i++];
      if (this._done) return;
      await new Promise((resolve) => this._wakers.push(resolve));
    }
  }

  /**
   * Send a signal (a name such as 'SIGTERM' or a number) to the command
   * through the sandbox's init; SIGKILL, the default, ends the whole
   * sandbox.  false when the command had already finished.
   */
  kill(signal = 'SIGKILL') {
    const sig = signalNumber(signal);
    if (this._done) return false;
    const r = this._n.kill(this._h, sig);
    if (r === -ESRCH) return false;
    if (r < 0) throw new MoatError(`cannot signal the sandbox: ${errnoName(r)}`, r);
    return true;
  }

  /** Set the pseudo-terminal's window size (the command gets SIGWINCH). */
  resize(rows, cols) {
    if (this._closed) throw new MoatError('the sandbox is closed', -9);
    const r = this._n.resize(this._h, rows | 0, cols | 0);
    if (r < 0) {
      const why = r === -ENOTTY ? 'no pseudo-terminal (spawn with pty)' : errnoName(r);
      throw new MoatError(`cannot resize: ${why}`, r);
    }
  }

  /** Kill what still runs, reap it, and close the streams. */
  close() {
    if (this._closed) return;
    this._closed = true;
    if (this._watch) this._n.unwatch(this._watch);
    this._watch = null;
    this._n.close(this._h);
    for (const s of [this.stdin, this.stdout, this.stderr, this.pty]) if (s) s.destroy();
    if (!this._done) {
      this._done = true;
      this.error = new MoatError('the sandbox was closed before its command finished', -ECANCELED);
      this._reject(this.error);
      this._wake();
    }
  }
}

/**
 * Start argv (argv[0] looked up in PATH) under policy; resolves a Sandbox
 * once it runs.  The policy is finalized first if it is not.  Rejects with
 * PolicyError or SetupError (nothing is left running).
 *
 * options.stdio: 'pipe' (the default), 'inherit', 'ignore', a descriptor,
 * or an array of three.  options.pty: true or { rows, cols }.  options.env:
 * the environment the policy's passEnv picks from (default: this process's).
 * options.passFds, options.log, options.onViolation: see index.d.ts.
 */
async function spawn(policy, argv, options = {}) {
  if (!(policy instanceof Policy)) throw new TypeError('policy: expected a Policy');
  if (!Array.isArray(argv) || argv.length === 0) {
    throw new TypeError('argv: expected a non-empty array of strings');
  }
  const n = native.load();
  if (!policy.finalized) policy.finalize();
  const spec = nativeOptions(options, 'pipe');
  let handle;
  try {
    handle = await n.spawn(policy._h, argv.map(String), spec);
  } catch (e) {
    throw typed(e);
  }
  return new Sandbox(handle, policy, options);
}

/**
 * Run argv under policy and wait for it; resolves its status.  stdio
 * defaults to 'inherit' and may not be 'pipe' (use spawn() and output()).
 */
async function run(policy, argv, options = {}) {
  const spec = options.stdio === undefined ? 'inherit' : options.stdio;
  if ((Array.isArray(spec) ? spec : [spec]).includes('pipe')) {
    throw new TypeError("run() does not take 'pipe': use spawn() and output()");
  }
  const sb = await spawn(policy, argv, { ...options, stdio: spec });
  try {
    return await sb.wait();
  } finally {
    sb.close();
  }
}

module.exports = { Sandbox, spawn, run };
