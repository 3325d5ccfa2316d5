'use strict';
// The native half (build/moat.node, made by `make` in this package), loaded
// on first use so that a missing build or library is an error of the call
// that needed it, not of require().
const path = require('path');
const { LibraryError } = require('./errors');

let native = null;

function load() {
  if (native) return native;
  const file = path.join(__dirname, '..', 'build', 'moat.node');
  try {
    native = require(file);
  } catch (e) {
    throw new LibraryError(`cannot load ${file} (run make in ${path.dirname(__dirname)}): ` +
                           e.message, -2);
  }
  return native;
}

module.exports = {
  load,
  STDIO_INHERIT: -1,
  STDIO_PIPE: -2,
  STDIO_NULL: -3,
  FD_STDIN: 0,
  FD_STDOUT: 1,
  FD_STDERR: 2,
  FD_PTY: 3,
  FD_EVENTS: 4,
  READABLE: 1,
  WRITABLE: 2,
};
