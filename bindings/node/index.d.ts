// Types for moat-sandbox, moat's Node binding (lib/index.js).
/// <reference types="node" />
import { EventEmitter } from 'events';
import { Duplex, Readable, Writable } from 'stream';

/** Something moat refused or could not do; `message` is moat's own text. */
export class MoatError extends Error {
  /** The negative errno moat returned (-22, EINVAL, for bad input). */
  readonly code: number;
  /** The positive errno number. */
  readonly errno: number;
  constructor(message: string, code?: number);
}
/** libmoat.so could not be loaded (MOAT_LIBRARY, then the system loader). */
export class LibraryError extends MoatError {}
/** A policy that cannot be loaded or finalized as written: the message names FILE:LINE:COL and the JSON path. */
export class PolicyError extends MoatError {}
/** The sandbox could not be built or its command not started; nothing is left running. */
export class SetupError extends MoatError {}

export type NetworkMode = 'none' | 'proxy' | 'firewall' | 'host';

export interface LoadOptions {
  /** What messages call the text (default '<json>' or '<object>'). */
  name?: string;
  /** The directory relative paths are relative to (default: the current directory). */
  baseDir?: string;
}

/** A moat policy (docs/policy.md).  Loads merge in order: lists appended, single values replaced. */
export class Policy {
  constructor();
  static fromFile(...paths: string[]): Policy;
  static fromJSON(text: string, options?: LoadOptions): Policy;
  static fromObject(object: object, options?: LoadOptions): Policy;
  loadFile(path: string): this;
  loadJSON(text: string, options?: LoadOptions): this;
  loadObject(object: object, options?: LoadOptions): this;
  /** Check cross-field rules and normalise; spawn() and run() do it when it was not done. */
  finalize(): this;
  readonly finalized: boolean;
  /** What the policy accepts but would not do as written, one line each. */
  readonly warnings: string[];
  readonly networkMode: NetworkMode;
  /** The effective policy as moat's normalised JSON text. */
  toJSONText(): string;
  /** The effective policy as an object. */
  toJSON(): Record<string, unknown>;
}

/** One denial, as moat logs it (docs/network.md). */
export interface Violation {
  time: string;
  /** dns, connect, file, ... */
  kind: string;
  destination: string;
  port: number;
  reason: string;
  pid: number;
  command: string;
  [field: string]: unknown;
}

export type StdioValue = 'pipe' | 'inherit' | 'ignore' | number | { fd: number };

export interface SpawnOptions {
  /** One value for all three, or [stdin, stdout, stderr]; spawn() defaults to 'pipe', run() to 'inherit'. */
  stdio?: StdioValue | [StdioValue, StdioValue, StdioValue];
  /** A pseudo-terminal inside the sandbox as the command's 0, 1 and 2 (24x80 with true). */
  pty?: boolean | { rows: number; cols: number };
  /** The environment the policy's passEnv picks from (default: this process's). */
  env?: Record<string, string | undefined>;
  /** Descriptors (3 or more) the command keeps. */
  passFds?: number[];
  /** A file each violation is appended to as a JSON line. */
  log?: string;
  /** Called with each violation, from Node's event loop. */
  onViolation?: (violation: Violation) => void;
}

export interface Output {
  status: number;
  /** stdout, or what the terminal showed with a pty; null when not a pipe. */
  stdout: Buffer | null;
  stderr: Buffer | null;
}

/** A command running in a sandbox, made by spawn(). */
export class Sandbox extends EventEmitter {
  /** The sandbox init's pid. */
  readonly pid: number;
  readonly stdin: Writable | null;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  /** The pseudo-terminal's master, when spawned with pty. */
  readonly pty: Duplex | null;
  /** Exit code, 128+N when killed by signal N, 124 on the policy's timeout, 126/127 when not executable; null while it runs. */
  readonly status: number | null;
  /** Why the command could not be executed (status 126 or 127), else null. */
  readonly execError: string | null;
  /** A SetupError when the sandbox failed after it was spawned, else null. */
  readonly error: MoatError | null;
  /** Every violation so far, in order. */
  readonly violationLog: Violation[];
  /** Resolves the status once the command has finished. */
  wait(): Promise<number>;
  /** Write input (if any), close stdin, read the output to its end and wait. */
  output(input?: string | Buffer): Promise<Output>;
  /** Each violation from the first one on, as it happens; ends with the command. */
  violations(): AsyncIterableIterator<Violation>;
  /** Signal the command (default SIGKILL: the whole sandbox); false when it had finished. */
  kill(signal?: NodeJS.Signals | number): boolean;
  /** Set the pseudo-terminal's window size. */
  resize(rows: number, cols: number): void;
  /** Kill what still runs, reap it, close the streams. */
  close(): void;

  on(event: 'violation', listener: (violation: Violation) => void): this;
  on(event: 'exit', listener: (status: number | null, error: MoatError | null) => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
  once(event: 'violation', listener: (violation: Violation) => void): this;
  once(event: 'exit', listener: (status: number | null, error: MoatError | null) => void): this;
  once(event: string | symbol, listener: (...args: any[]) => void): this;
}

/** Start argv under policy; resolves once the command runs. */
export function spawn(policy: Policy, argv: string[], options?: SpawnOptions): Promise<Sandbox>;
/** Run argv under policy and wait; resolves its status. */
export function run(policy: Policy, argv: string[], options?: SpawnOptions): Promise<number>;
