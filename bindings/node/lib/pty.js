'use strict';
// The pseudo-terminal's master as a Duplex stream: a non-blocking copy of
// the descriptor, read and written only when Node's loop says it is ready
// (a libuv poll handle in the native half), so nothing ever blocks the
// loop.  A read of EIO is the end: the terminal's other side is closed.
const fs = require('fs');
const { Duplex } = require('stream');
const native = require('./native');

class PtyStream extends Duplex {
  constructor(fd) {
    super({ allowHalfOpen: true });
    this._n = native.load();
    this.fd = fd;
    this._wantRead = false;
    this._unwritten = null; // { buf, cb }: what _write could not write yet
    this._watched = 0;
    this._watch = this._n.watch(fd, 0, (status, events) => this._ready(status, events));
  }

  _update() {
    const events = (this._wantRead ? native.READABLE : 0) | (this._unwritten ? native.WRITABLE : 0);
    if (events !== this._watched && this._watch) {
      this._n.rewatch(this._watch, events);
      this._watched = events;
    }
  }

  _ready(status, events) {
    if (status < 0) {
      this.destroy(new Error(`polling the pseudo-terminal failed (${status})`));
      return;
    }
    if (events & native.READABLE) this._readSome();
    if (events & native.WRITABLE) this._writeSome();
    this._update();
  }

  _read() {
    this._wantRead = true;
    this._update();
  }

  _readSome() {
    const buf = Buffer.allocUnsafe(65536);
    while (this._wantRead) {
      let n;
      try {
        n = fs.readSync(this.fd, buf, 0, buf.length, null);
      } catch (e) {
        if (e.code === 'EAGAIN') return;
        if (e.code !== 'EIO') {
          this.destroy(e);
          return;
        }
        n = 0;
      }
      if (n === 0) {
        this._wantRead = false;
        this.push(null);
        return;
      }
      if (!this.push(Buffer.from(buf.subarray(0, n)))) this._wantRead = false;
    }
  }

  _write(chunk, encoding, cb) {
    this._unwritten = { buf: chunk, cb };
    this._writeSome();
    this._update();
  }

  _writeSome() {
    const w = this._unwritten;
    if (!w) return;
    while (w.buf.length) {
      try {
        w.buf = w.buf.subarray(fs.writeSync(this.fd, w.buf));
      } catch (e) {
        if (e.code === 'EAGAIN') return;
        this._unwritten = null;
        w.cb(e);
        return;
      }
    }
    this._unwritten = null;
    w.cb();
  }

  _final(cb) {
    cb(); // a terminal has no half-close: the command sees EOF when it reads ^D
  }

  _destroy(err, cb) {
    if (this._watch) this._n.unwatch(this._watch);
    this._watch = null;
    try {
      fs.closeSync(this.fd);
    } catch (e) {
      // already closed
    }
    cb(err);
  }
}

module.exports = { PtyStream };
