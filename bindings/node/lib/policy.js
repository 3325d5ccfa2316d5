'use strict';
// Policy: what a sandboxed command may read, write and reach, as libmoat
// holds it.  Loads JSON from files, text or objects, merging in order;
// finalizes once.  Never runs anything.
const path = require('path');
const native = require('./native');
const { PolicyError, call } = require('./errors');

class Policy {
  /** A new, empty policy (moat's defaults). */
  constructor() {
    this._n = native.load();
    this._h = call(this._n.policyNew);
  }

  /** A policy loaded from one or more JSON files, merged in order. */
  static fromFile(...paths) {
    const p = new Policy();
    for (const f of paths) p.loadFile(f);
    return p;
  }

  /** A policy loaded from JSON text. */
  static fromJSON(text, options = {}) {
    return new Policy().loadJSON(text, options);
  }

  /** A policy built from an object shaped like the JSON format. */
  static fromObject(object, options = {}) {
    return new Policy().loadObject(object, options);
  }

  /**
   * Merge a JSON policy file in (lists appended, single values replaced).
   * Relative paths in it are relative to the file's directory.  Throws
   * PolicyError naming FILE:LINE:COL and the JSON path.
   */
  loadFile(file) {
    // The file is write-protected in the sandbox by its path: make it absolute.
    call(this._n.policyLoadFile, this._h, path.resolve(String(file)));
    return this;
  }

  /** Merge JSON text in; name is what messages call it, baseDir anchors relative paths. */
  loadJSON(text, { name = '<json>', baseDir = process.cwd() } = {}) {
    call(this._n.policyLoadString, this._h, String(text), String(name),
         path.resolve(String(baseDir)));
    return this;
  }

  /** Merge an object in, as JSON (positions in messages: JSON.stringify(object, null, 2)). */
  loadObject(object, { name = '<object>', baseDir = process.cwd() } = {}) {
    let text;
    try {
      text = JSON.stringify(object, null, 2);
    } catch (e) {
      throw new PolicyError(`${name}: not representable as JSON: ${e.message}`, -22);
    }
    if (typeof text !== 'string') throw new PolicyError(`${name}: not a JSON object`, -22);
    return this.loadJSON(text, { name, baseDir });
  }

  /**
   * Check cross-field rules, expand and normalise.  Throws PolicyError for
   * what cannot be enforced as written; adds warnings for what would do
   * nothing.
   */
  finalize() {
    call(this._n.policyFinalize, this._h);
    return this;
  }

  /** Whether finalize() ran since the last load. */
  get finalized() {
    return this._n.policyIsFinalized(this._h);
  }

  /** What the policy accepts but would not do as written, one line each. */
  get warnings() {
    return this._n.policyWarnings(this._h);
  }

  /** "none", "proxy", "firewall" or "host". */
  get networkMode() {
    return this._n.policyNetworkMode(this._h);
  }

  /** The effective policy as moat's normalised JSON text. */
  toJSONText() {
    return call(this._n.policyToJson, this._h);
  }

  /** The effective policy as an object (JSON.stringify(policy) works too). */
  toJSON() {
    return JSON.parse(this.toJSONText());
  }
}

module.exports = { Policy };
