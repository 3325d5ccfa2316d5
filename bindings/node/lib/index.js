'use strict';
// moat's Node binding: run commands in moat's Linux process sandbox.
// libmoat.so is loaded on first use: the file MOAT_LIBRARY names, else
// libmoat.so.1 through the system loader.
const { Policy } = require('./policy');
const { Sandbox, spawn, run } = require('./sandbox');
const { MoatError, LibraryError, PolicyError, SetupError } = require('./errors');

module.exports = { Policy, Sandbox, spawn, run, MoatError, LibraryError, PolicyError, SetupError };
