'use strict';
// The errors the binding throws: MoatError and its kinds, each carrying
// moat's own message (FILE:LINE:COL and the JSON path for a bad policy, the
// path or call for a set-up failure) and the negative errno it came with.

class MoatError extends Error {
  /** @param {string} message moat's text @param {number} code a negative errno */
  constructor(message, code = -5) {
    super(message);
    this.name = this.constructor.name;
    this.code = code;
  }

  /** The positive errno number (EINVAL, ENOENT, ...). */
  get errno() {
    return this.code < 0 ? -this.code : this.code;
  }
}

/** libmoat.so could not be loaded (MOAT_LIBRARY, then the system loader). */
class LibraryError extends MoatError {}
/** A policy that cannot be loaded or finalized as written. */
class PolicyError extends MoatError {}
/** The sandbox could not be built or its command not started. */
class SetupError extends MoatError {}

const KINDS = { library: LibraryError, policy: PolicyError, setup: SetupError };

// The native half throws plain Errors with moatKind and moatCode; give them
// their class.  Anything else (a TypeError from a wrong argument) passes.
function typed(e) {
  if (!e || typeof e.moatKind !== 'string') return e;
  const Kind = KINDS[e.moatKind] || MoatError;
  return new Kind(e.message, e.moatCode);
}

function call(fn, ...args) {
  try {
    return fn(...args);
  } catch (e) {
    throw typed(e);
  }
}

module.exports = { MoatError, LibraryError, PolicyError, SetupError, typed, call };
